package io.pipc.transport.fifo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.Pipes;
import io.pipc.posix.Posix;
import io.pipc.posix.PrivateDirectory;
import io.pipc.transport.Deadline;
import io.pipc.wire.Handshake;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.WireFormat;

/**
 * The other process of {@link TwoProcessNamedPipeTest}: a separate JVM that meets the test on a
 * named pipe and then does what its first argument says. Reports progress as lines on standard
 * output; fails with a stack trace and exit code 1.
 *
 * <pre>
 * exchange   DIR NAME COUNT    send COUNT messages while checking COUNT from the parent; print "RECEIVED COUNT"
 * rendezvous DIR PREFIX ROUNDS meet on PREFIX-0 .. PREFIX-(ROUNDS-1) in turn, one message each way; print "PAIRED ROUNDS"
 * stream     DIR NAME          print "CONNECTED", then send numbered messages until killed
 * half-frame DIR NAME          handshake by hand, send the first part of one frame, print "HALF SENT OF", wait to be killed
 * wait       DIR NAME          call Pipes.named and wait in it for a peer that never comes, until killed
 * </pre>
 */
public final class FifoPeerMain {

    private static final PrintStream out = System.out;

    private FifoPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        String name = args[2];
        PipeOptions options = PipeOptions.builder().directory(dir).connectTimeout(Duration.ofSeconds(30)).build();
        switch (mode) {
            case "exchange" -> exchange(Pipes.named(name, options), Integer.parseInt(args[3]));
            case "rendezvous" -> rendezvous(name, options, Integer.parseInt(args[3]));
            case "stream" -> stream(Pipes.named(name, options));
            case "half-frame" -> halfFrame(name, options);
            case "wait" -> Pipes.named(name, options.toBuilder().connectTimeout(Duration.ofMinutes(5)).build());
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.exit(0);
    }

    private static void exchange(Pipe pipe, int count) throws Exception {
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                pipe.write(Traffic.message("child", i));
            }
        });
        for (int i = 0; i < count; i++) {
            Traffic.check("parent", i, pipe.read(Duration.ofSeconds(30)));
        }
        sent.get();
        pipe.close();
        say("RECEIVED " + count);
    }

    private static void rendezvous(String prefix, PipeOptions options, int rounds) {
        String me = Long.toString(ProcessHandle.current().pid());
        for (int round = 0; round < rounds; round++) {
            Pipe pipe = Pipes.named(prefix + "-" + round, options);
            pipe.write(me + " " + round);
            String[] peer = pipe.readString(Duration.ofSeconds(30)).split(" ");
            if (peer[0].equals(me) || !peer[1].equals(Integer.toString(round))) {
                throw new AssertionError("round " + round + ": paired with '" + String.join(" ", peer) + "'");
            }
            pipe.close();
        }
        say("PAIRED " + rounds);
    }

    private static void stream(Pipe pipe) {
        say("CONNECTED");
        for (int i = 0; ; i++) {
            pipe.write(Traffic.message("child", i));
        }
    }

    /** Meets the parent without a pipe, so as to write what no pipe would: a frame cut short. */
    private static void halfFrame(String name, PipeOptions options) throws Exception {
        Posix posix = Posix.system();
        RendezvousFiles files = RendezvousFiles.of(name, PrivateDirectory.open(options.directory(), posix));
        try (FifoLink link = new FifoRendezvous(posix, files, options.connectTimeout()).meet(Deadline.after(options.connectTimeout()))) {
            WireFormat wire = WireFormat.of(options, name);
            // Another process than the parent's, so the ends' names need not mirror the parent's.
            ConnectionEnds ends = new ConnectionEnds("FIFO peer " + ProcessHandle.current().pid(), "its parent");
            handshake(wire.newHandshake(link.role(), ConnectionBinding.of(ends)), link.input(), link.output().blocking());
            byte[] frame = wire.encoder().encodeData(Envelope.of(new byte[100_000]));
            int sent = 40_000;
            ByteBuffer half = ByteBuffer.wrap(frame, 0, sent);
            while (half.hasRemaining()) {
                link.output().blocking().write(half);
            }
            say("HALF " + sent + " " + frame.length);
            System.in.read();
        }
    }

    private static void handshake(Handshake handshake, FileChannel in, FileChannel out) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(4096);
        send(handshake, out);
        while (!handshake.isComplete()) {
            if (in.read(received) < 0) {
                throw new IOException("the parent went away during the handshake");
            }
            received.flip();
            handshake.consume(received);
            received.compact();
            send(handshake, out);
        }
    }

    private static void send(Handshake handshake, FileChannel out) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (handshake.hasOutput()) {
            buffer.clear();
            handshake.produce(buffer);
            buffer.flip();
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
    }

    private static void say(String line) {
        out.println(line);
        out.flush();
    }
}
