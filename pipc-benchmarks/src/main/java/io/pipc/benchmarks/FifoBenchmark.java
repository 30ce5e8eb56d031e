package io.pipc.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Pipes;
import io.pipc.posix.Posix;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Named pipes ({@code Pipes.named}, two FIFOs and the native wire) against the raw JDK doing the
 * same work over FIFOs: a {@link FileChannel} per direction, each message sent as a 4-byte length
 * and its payload in one gathering write, and received into a fresh array, as a pipe delivers it.
 * Both ends live in this JVM, on separate threads; the system calls are those of two processes.
 *
 * <ul>
 * <li>one-way throughput: a writer thread streams messages without pause; each operation reads one.</li>
 * <li>round trip: an echo thread sends every message back; each operation writes one and reads its echo.</li>
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class FifoBenchmark {

    /** A private directory for the FIFOs, and the threads of the far end. */
    public abstract static class Fifos {

        Path directory;
        ExecutorService far;
        byte[] message;

        void start(int size) throws IOException {
            directory = Files.createTempDirectory("pipc-bench");
            far = Executors.newFixedThreadPool(2);
            message = new byte[size];
        }

        void stop() throws Exception {
            far.shutdownNow();
            far.awaitTermination(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }

        /** Two pipc ends meeting on a named pipe: one made here, one on a far thread. */
        Pipe[] pipcPair() throws Exception {
            PipeOptions options = PipeOptions.builder().directory(directory)
                    .writeTimeout(Duration.ofMinutes(1)).connectTimeout(Duration.ofSeconds(30)).build();
            Future<Pipe> other = far.submit(() -> Pipes.named("bench", options));
            Pipe near = Pipes.named("bench", options);
            return new Pipe[] {near, other.get(30, TimeUnit.SECONDS)};
        }

        /** Raw FIFOs: [near-to-far write, near-from-far read, far read, far write]. */
        FileChannel[] rawPair() throws Exception {
            Path toFar = directory.resolve("to-far");
            Path toNear = directory.resolve("to-near");
            Posix.system().mkfifo(toFar, 0600);
            Posix.system().mkfifo(toNear, 0600);
            // Blocking FIFO opens pair up: open in the same order on both sides.
            CompletableFuture<FileChannel[]> farEnds = CompletableFuture.supplyAsync(() -> {
                try {
                    FileChannel in = FileChannel.open(toFar, StandardOpenOption.READ);
                    return new FileChannel[] {in, FileChannel.open(toNear, StandardOpenOption.WRITE)};
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, far);
            FileChannel out = FileChannel.open(toFar, StandardOpenOption.WRITE);
            FileChannel in = FileChannel.open(toNear, StandardOpenOption.READ);
            FileChannel[] farSide = farEnds.get(30, TimeUnit.SECONDS);
            return new FileChannel[] {out, in, farSide[0], farSide[1]};
        }
    }

    @State(Scope.Benchmark)
    public static class PipcStream extends Fifos {

        @Param({"64", "65536"})
        public int size;

        Pipe reader;
        Pipe writer;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            Pipe[] pipes = pipcPair();
            reader = pipes[0];
            writer = pipes[1];
            far.submit(() -> {
                try {
                    while (true) {
                        writer.write(message);
                    }
                } catch (PipeException closed) {
                    return;
                }
            });
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            reader.close();
            writer.close();
            stop();
        }
    }

    @State(Scope.Benchmark)
    public static class RawStream extends Fifos {

        @Param({"64", "65536"})
        public int size;

        FileChannel[] channels;
        RawReader reader;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            channels = rawPair();
            reader = new RawReader(channels[2]);
            RawWriter writer = new RawWriter(channels[0]);
            far.submit(() -> {
                try {
                    while (true) {
                        writer.write(message);
                    }
                } catch (IOException closed) {
                    return;
                }
            });
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            for (FileChannel channel : channels) {
                channel.close();
            }
            stop();
        }
    }

    @State(Scope.Benchmark)
    public static class PipcEcho extends Fifos {

        @Param({"64", "65536"})
        public int size;

        Pipe near;
        Pipe echo;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            Pipe[] pipes = pipcPair();
            near = pipes[0];
            echo = pipes[1];
            far.submit(() -> {
                try {
                    while (true) {
                        echo.write(echo.read());
                    }
                } catch (PipeException closed) {
                    return;
                }
            });
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            near.close();
            echo.close();
            stop();
        }
    }

    @State(Scope.Benchmark)
    public static class RawEcho extends Fifos {

        @Param({"64", "65536"})
        public int size;

        FileChannel[] channels;
        RawWriter out;
        RawReader in;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            channels = rawPair();
            out = new RawWriter(channels[0]);
            in = new RawReader(channels[1]);
            RawReader farIn = new RawReader(channels[2]);
            RawWriter farOut = new RawWriter(channels[3]);
            far.submit(() -> {
                try {
                    while (true) {
                        farOut.write(farIn.read());
                    }
                } catch (IOException closed) {
                    return;
                }
            });
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            for (FileChannel channel : channels) {
                channel.close();
            }
            stop();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public byte[] oneWayPipe(PipcStream stream) {
        return stream.reader.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public byte[] oneWayRawFileChannel(RawStream stream) throws IOException {
        return stream.reader.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipe(PipcEcho echo) {
        echo.near.write(echo.message);
        return echo.near.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripRawFileChannel(RawEcho echo) throws IOException {
        echo.out.write(echo.message);
        return echo.in.read();
    }

    /** The raw baseline's sender: a 4-byte length and the payload, one gathering write per message. */
    static final class RawWriter {

        private final FileChannel channel;
        private final ByteBuffer header = ByteBuffer.allocateDirect(4);
        private final ByteBuffer[] frame = new ByteBuffer[2];

        RawWriter(FileChannel channel) {
            this.channel = channel;
        }

        void write(byte[] message) throws IOException {
            header.clear();
            header.putInt(message.length).flip();
            frame[0] = header;
            frame[1] = ByteBuffer.wrap(message);
            while (frame[1].hasRemaining()) {
                channel.write(frame);
            }
        }
    }

    /** The raw baseline's receiver: reads 64 KiB at a time and copies each payload into its own array. */
    static final class RawReader {

        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024).flip();

        RawReader(FileChannel channel) {
            this.channel = channel;
        }

        byte[] read() throws IOException {
            while (buffer.remaining() < 4) {
                fill();
            }
            byte[] message = new byte[buffer.getInt()];
            int copied = 0;
            while (copied < message.length) {
                if (!buffer.hasRemaining()) {
                    fill();
                }
                int n = Math.min(buffer.remaining(), message.length - copied);
                buffer.get(message, copied, n);
                copied += n;
            }
            return message;
        }

        private void fill() throws IOException {
            buffer.compact();
            if (channel.read(buffer) < 0) {
                throw new EOFException("the writer closed");
            }
            buffer.flip();
        }
    }
}
