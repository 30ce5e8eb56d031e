package io.pipc.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

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
 * Pipes over a Unix domain socket ({@code Pipes.server} and {@code Pipes.connect}: the NIO
 * engine, the native wire, the peer-credential check on connect) against the raw JDK doing the
 * same work: a blocking {@link SocketChannel} at each end, each message sent as a 4-byte length
 * and its payload in one gathering write, and received into a fresh array, as a pipe delivers it.
 * Both ends live in this JVM, on separate threads; the system calls are those of two processes.
 *
 * <ul>
 * <li>one-way throughput: the client's thread streams messages without pause; each operation
 * reads one on the server's side.</li>
 * <li>round trip: the server's side sends every message back; each operation writes one from the
 * client and reads its echo.</li>
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UnixBenchmark {

    /** A private directory for the socket files, and the threads of the far end. */
    public abstract static class Sockets {

        Path directory;
        ExecutorService far;
        byte[] message;
        PipeServer server;

        void start(int size) throws IOException {
            directory = Files.createTempDirectory("pipc-bench");
            far = Executors.newFixedThreadPool(2);
            message = new byte[size];
        }

        void stop() throws Exception {
            if (server != null) {
                server.close();
            }
            far.shutdownNow();
            far.awaitTermination(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }

        /** A pipc client and the server's pipe to it: [client, server side]. */
        Pipe[] pipcPair() throws Exception {
            PipeOptions options = PipeOptions.builder().writeTimeout(Duration.ofMinutes(1)).build();
            server = Pipes.server(UnixDomainSocketAddress.of(directory.resolve("bench.sock")), options);
            Future<Pipe> accepted = far.submit(() -> server.accept(Duration.ofSeconds(30)));
            Pipe client = Pipes.connect(server.address(), options);
            return new Pipe[] {client, accepted.get(30, TimeUnit.SECONDS)};
        }

        /** Two blocking JDK socket channels on a Unix socket: [client, server side]. */
        SocketChannel[] rawPair() throws IOException {
            try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                listener.bind(UnixDomainSocketAddress.of(directory.resolve("raw.sock")));
                SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                return new SocketChannel[] {client, listener.accept()};
            }
        }
    }

    @State(Scope.Benchmark)
    public static class PipcStream extends Sockets {

        @Param({"64", "65536"})
        public int size;

        Pipe writer;
        Pipe reader;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            Pipe[] pipes = pipcPair();
            writer = pipes[0];
            reader = pipes[1];
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
    public static class RawStream extends Sockets {

        @Param({"64", "65536"})
        public int size;

        SocketChannel[] channels;
        RawReader reader;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            channels = rawPair();
            RawWriter writer = new RawWriter(channels[0]);
            reader = new RawReader(channels[1]);
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
            for (SocketChannel channel : channels) {
                channel.close();
            }
            stop();
        }
    }

    @State(Scope.Benchmark)
    public static class PipcEcho extends Sockets {

        @Param({"64", "65536"})
        public int size;

        Pipe client;
        Pipe echo;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            Pipe[] pipes = pipcPair();
            client = pipes[0];
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
            client.close();
            echo.close();
            stop();
        }
    }

    @State(Scope.Benchmark)
    public static class RawEcho extends Sockets {

        @Param({"64", "65536"})
        public int size;

        SocketChannel[] channels;
        RawWriter out;
        RawReader in;

        @Setup(Level.Trial)
        public void open() throws Exception {
            start(size);
            channels = rawPair();
            out = new RawWriter(channels[0]);
            in = new RawReader(channels[0]);
            RawReader farIn = new RawReader(channels[1]);
            RawWriter farOut = new RawWriter(channels[1]);
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
            for (SocketChannel channel : channels) {
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
    public byte[] oneWayRawSocketChannel(RawStream stream) throws IOException {
        return stream.reader.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipe(PipcEcho echo) {
        echo.client.write(echo.message);
        return echo.client.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripRawSocketChannel(RawEcho echo) throws IOException {
        echo.out.write(echo.message);
        return echo.in.read();
    }

    /** The raw baseline's sender: a 4-byte length and the payload, one gathering write per message. */
    static final class RawWriter {

        private final GatheringByteChannel channel;
        private final ByteBuffer header = ByteBuffer.allocateDirect(4);
        private final ByteBuffer[] frame = new ByteBuffer[2];

        RawWriter(GatheringByteChannel channel) {
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

        private final ReadableByteChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024).flip();

        RawReader(ReadableByteChannel channel) {
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
