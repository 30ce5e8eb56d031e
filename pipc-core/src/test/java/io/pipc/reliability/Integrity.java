package io.pipc.reliability;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipePair;
import io.pipc.Pipes;
import io.pipc.Transport;

/**
 * Sends numbered messages of random sizes and contents through a transport and back (a peer
 * echoes them), and checks every one that returns: its number must be the next one (else one
 * was lost, duplicated or reordered), and its bytes those that were sent (else it is corrupt).
 * Sizes: mostly under 256 bytes, some up to 16 KiB, one in a hundred up to 1 MiB.
 */
final class Integrity {

    /** The number before the body. */
    private static final int HEADER = Long.BYTES;

    private Integrity() {
    }

    /** What came back. */
    record Result(Transport transport, int messages, long bytes, int outOfSequence, int corrupt, Duration took) {

        String row() {
            double seconds = this.took.toNanos() / 1e9;
            return "| " + Harness.name(this.transport) + " | " + this.messages + " | " + (this.bytes / (1024 * 1024))
                    + " MiB | " + this.outOfSequence + " | " + this.corrupt + " | "
                    + String.format("%.1f s (%.0f msg/s)", seconds, this.messages / seconds) + " |";
        }
    }

    static Result run(Transport transport, int messages, Path directory) throws Exception {
        if (transport == Transport.IN_PROCESS) {
            PipePair pair = Pipes.pair();
            Thread echo = new Thread(() -> echo(pair.right()), "harness-echo");
            echo.setDaemon(true);
            echo.start();
            try {
                return check(transport, pair.left(), messages);
            }
            finally {
                pair.left().close();
                pair.right().close();
            }
        }
        try (PeerProcess peer = PeerProcess.start(transport, Duration.ofSeconds(5), true, directory)) {
            return check(transport, peer.pipe(), messages);
        }
    }

    private static void echo(Pipe pipe) {
        try {
            while (true) {
                pipe.write(pipe.read());
            }
        }
        catch (PipeException ex) {
            // closed: done
        }
    }

    private static Result check(Transport transport, Pipe pipe, int messages) throws Exception {
        long started = System.nanoTime();
        CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
            long bytes = 0;
            for (int i = 0; i < messages; i++) {
                byte[] message = message(i);
                pipe.write(message);
                bytes += message.length;
            }
            return bytes;
        });
        int outOfSequence = 0;
        int corrupt = 0;
        int expected = 0;
        for (int received = 0; received < messages; received++) {
            byte[] message = pipe.read(Duration.ofSeconds(60));
            ByteBuffer buffer = ByteBuffer.wrap(message);
            long number = buffer.getLong();
            if (number != expected) {
                outOfSequence++;
            }
            expected = (int) number + 1;
            if (!Arrays.equals(message, message((int) number))) {
                corrupt++;
            }
        }
        long bytes = sent.get();
        return new Result(transport, messages, bytes, outOfSequence, corrupt, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The message numbered {@code number}: the same bytes every time it is asked for. */
    static byte[] message(int number) {
        SplittableRandom random = new SplittableRandom(number * 0x9E3779B97F4A7C15L);
        int pick = random.nextInt(100);
        int size = (pick < 85) ? random.nextInt(257) : (pick < 99) ? random.nextInt(257, 16 * 1024 + 1)
                : random.nextInt(16 * 1024 + 1, 1024 * 1024 + 1);
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) random.nextInt(256);
        }
        return ByteBuffer.allocate(HEADER + size).putLong(number).put(body).array();
    }
}
