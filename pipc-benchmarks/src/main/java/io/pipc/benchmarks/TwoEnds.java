package io.pipc.benchmarks;

import java.io.IOException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.Pipe;
import io.pipc.PipeException;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the benchmarks of the byte-stream transports (FIFO, Unix socket, TCP) share: a near end
 * on the benchmark's thread, a far end on threads of its own, a private directory, and the
 * loops the far end runs. pipc and the raw baseline get the same loops, so that each pair of
 * benchmarks differs only in the transport under it.
 *
 * <p>Each benchmark class declares one {@code @State} per kind below, naming its {@link Link};
 * JMH picks up the parameter, set-up and tear-down inherited from here.
 */
@State(Scope.Benchmark)
public abstract class TwoEnds {

    /** How a benchmark reaches its far end over one transport, with pipc and with the raw JDK. */
    interface Link {

        /**
         * @return connected pipes: [near, far]
         */
        Pipe[] pipc(TwoEnds ends) throws Exception;

        /**
         * @return connected raw channels
         */
        RawEnds raw(TwoEnds ends) throws Exception;
    }

    /** Raw channels of the two ends; over a socket, a channel is both the input and the output of its end. */
    record RawEnds(ReadableByteChannel nearIn, GatheringByteChannel nearOut,
            ReadableByteChannel farIn, GatheringByteChannel farOut) {
    }

    /** A loop of the far end, run until the transport under it is closed. */
    interface Loop {
        void run() throws IOException;
    }

    @Param({"64", "4096", "65536"})
    public int size;

    private final Link link;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    Path directory;
    ExecutorService far;
    byte[] message;

    TwoEnds(Link link) {
        this.link = link;
    }

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Files.createTempDirectory("pipc-bench");
        far = Executors.newFixedThreadPool(2);
        message = new byte[size];
        connect();
    }

    /** Connects the two ends and starts the far end's loop. */
    abstract void connect() throws Exception;

    @TearDown(Level.Trial)
    public void close() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        far.shutdownNow();
        far.awaitTermination(10, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /**
     * @return the resource, closed at the end of the trial, after those registered later
     */
    <T extends AutoCloseable> T closeAtEnd(T resource) {
        resources.push(resource);
        return resource;
    }

    private Pipe[] pipcPair() throws Exception {
        Pipe[] pipes = link.pipc(this);
        closeAtEnd(pipes[0]);
        closeAtEnd(pipes[1]);
        return pipes;
    }

    private RawEnds rawPair() throws Exception {
        RawEnds ends = link.raw(this);
        closeAtEnd(ends.nearIn());
        closeAtEnd(ends.nearOut());
        closeAtEnd(ends.farIn());
        closeAtEnd(ends.farOut());
        return ends;
    }

    private void onFarThread(Loop loop) {
        far.submit(() -> {
            try {
                loop.run();
            } catch (IOException | PipeException closed) {
                return;
            }
        });
    }

    /** One-way with pipc: the far end writes without pause, the benchmark reads {@link #reader}. */
    public abstract static class PipcStream extends TwoEnds {

        Pipe reader;

        PipcStream(Link link) {
            super(link);
        }

        @Override
        void connect() throws Exception {
            Pipe[] pipes = super.pipcPair();
            reader = pipes[0];
            Pipe writer = pipes[1];
            super.onFarThread(() -> {
                while (true) {
                    writer.write(message);
                }
            });
        }
    }

    /** One-way with the raw JDK: the far end writes without pause, the benchmark reads {@link #reader}. */
    public abstract static class RawStream extends TwoEnds {

        RawFrames.Reader reader;

        RawStream(Link link) {
            super(link);
        }

        @Override
        void connect() throws Exception {
            RawEnds ends = super.rawPair();
            reader = new RawFrames.Reader(ends.nearIn());
            RawFrames.Writer writer = new RawFrames.Writer(ends.farOut());
            super.onFarThread(() -> {
                while (true) {
                    writer.write(message);
                }
            });
        }
    }

    /** Round trip with pipc: the far end sends every message back to {@link #near}. */
    public abstract static class PipcEcho extends TwoEnds {

        Pipe near;

        PipcEcho(Link link) {
            super(link);
        }

        @Override
        void connect() throws Exception {
            Pipe[] pipes = super.pipcPair();
            near = pipes[0];
            Pipe echo = pipes[1];
            super.onFarThread(() -> {
                while (true) {
                    echo.write(echo.read());
                }
            });
        }
    }

    /** Round trip with the raw JDK: the far end sends every message back to {@link #out}'s end. */
    public abstract static class RawEcho extends TwoEnds {

        RawFrames.Writer out;
        RawFrames.Reader in;

        RawEcho(Link link) {
            super(link);
        }

        @Override
        void connect() throws Exception {
            RawEnds ends = super.rawPair();
            out = new RawFrames.Writer(ends.nearOut());
            in = new RawFrames.Reader(ends.nearIn());
            RawFrames.Reader farIn = new RawFrames.Reader(ends.farIn());
            RawFrames.Writer farOut = new RawFrames.Writer(ends.farOut());
            super.onFarThread(() -> {
                while (true) {
                    farOut.write(farIn.read());
                }
            });
        }
    }
}
