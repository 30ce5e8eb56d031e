package io.pipc.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;

/**
 * Clients that connect to a pipc TCP server and then stall, each in its own way: how long the
 * server keeps each before it closes the connection, against the deadline that should close it.
 * The server's handshake and frame timeouts are both {@link #DEADLINE}; heartbeats are off, so
 * that only those deadlines act.
 */
final class SlowConnections {

    static final Duration DEADLINE = Duration.ofSeconds(2);

    private static final byte[] NATIVE_PREFACE = {'P', 'I', 'P', 'C', 2, 0, 0, 0};

    private SlowConnections() {
    }

    /** One kind of stalling client, and when the server closed it. */
    record Result(String client, String deadline, Duration closedAfter) {

        String row() {
            return "| " + this.client + " | " + this.deadline + " | "
                    + String.format("%.2f s", this.closedAfter.toNanos() / 1e9) + " |";
        }
    }

    static List<Result> run() throws Exception {
        PipeOptions options = PipeOptions.builder().handshakeTimeout(DEADLINE).frameTimeout(DEADLINE)
                .heartbeat(Duration.ZERO).build();
        List<Result> results = new ArrayList<>();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try (PipeServer server = Pipes.server(new InetSocketAddress("127.0.0.1", 0), options);
                PipeServer python = Pipes.server(new InetSocketAddress("127.0.0.1", 0),
                        options.toBuilder().wire(Wire.PYTHON).build())) {
            results.add(new Result("connects and sends nothing", "handshake timeout",
                    closedAfter(server, (in, out) -> { })));
            results.add(new Result("sends half of its preface (4 of 8 bytes)", "handshake timeout",
                    closedAfter(server, (in, out) -> out.write(NATIVE_PREFACE, 0, 4))));
            results.add(new Result("completes its handshake, then sends 15 of a 105-byte frame", "frame timeout",
                    closedAfter(server, (in, out) -> {
                        handshake(in, out);
                        out.write(ByteBuffer.allocate(15).putInt(100).put((byte) 1).array());
                    })));
            results.add(new Result("completes its handshake, then sends a frame one byte every 250 ms", "frame timeout",
                    closedAfter(server, (in, out) -> {
                        handshake(in, out);
                        byte[] frame = ByteBuffer.allocate(105).putInt(100).put((byte) 1).array();
                        dribble(pacer, out, frame);
                    })));
            results.add(new Result("Python wire, no secret: connects and sends nothing, nor does the server",
                    "handshake timeout", closedAfter(python, (in, out) -> { })));
        }
        finally {
            pacer.shutdownNow();
        }
        return results;
    }

    /** What the client does once connected; the clock starts when it returns. */
    private interface Stall {

        void start(InputStream in, OutputStream out) throws IOException;
    }

    private static Duration closedAfter(PipeServer server, Stall stall) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(server.address(), 10_000);
            InputStream in = socket.getInputStream();
            stall.start(in, socket.getOutputStream());
            long started = System.nanoTime();
            CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
                try {
                    while (in.read() >= 0) {
                        // what the server sends before it closes does not matter
                    }
                }
                catch (IOException ex) {
                    // a reset is a close too
                }
                return System.nanoTime();
            });
            return Duration.ofNanos(closed.get(60, TimeUnit.SECONDS) - started);
        }
    }

    private static void handshake(InputStream in, OutputStream out) throws IOException {
        in.readNBytes(NATIVE_PREFACE.length);
        out.write(NATIVE_PREFACE);
        out.flush();
    }

    /** Sends one byte every 250 ms, the slow-loris way of keeping a connection open, until the server closes it. */
    private static void dribble(ScheduledExecutorService pacer, OutputStream out, byte[] frame) {
        AtomicInteger next = new AtomicInteger();
        pacer.scheduleAtFixedRate(() -> {
            int index = next.getAndIncrement();
            try {
                if (index < frame.length) {
                    out.write(frame[index]);
                    out.flush();
                    return;
                }
            }
            catch (IOException ex) {
                // closed by the server, as it should be
            }
            throw new CancellationException("the frame is sent or the connection closed");
        }, 0, 250, TimeUnit.MILLISECONDS);
    }
}
