package io.pipc.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * pipc over TCP on loopback against a raw blocking {@link SocketChannel} doing the same job by
 * hand: a 4-byte length before each message, one write per message, {@code TCP_NODELAY}, and
 * a new array per message received. One-way throughput (a writer thread streams, the benchmark
 * thread reads) and round trip (an echo thread answers every message), for small and large
 * messages, in the same run.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TcpBenchmark {

    private static final int BATCH = 10_000;

    @Param({"64", "65536"})
    public int size;

    private byte[] message;
    private PipeServer server;
    private Pipe client;
    private Pipe serverSide;
    private RawLink raw;
    private ExecutorService writer;

    @Setup(Level.Trial)
    public void open() throws IOException {
        message = new byte[size];
        PipeOptions options = PipeOptions.builder().writeTimeout(Duration.ofMinutes(1)).build();
        server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
        client = Pipes.connect(server.address(), options);
        serverSide = server.accept(Duration.ofSeconds(10));
        raw = new RawLink(size);
        writer = Executors.newSingleThreadExecutor();
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        writer.shutdownNow();
        writer.awaitTermination(10, TimeUnit.SECONDS);
        client.close();
        serverSide.close();
        server.close();
        raw.close();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int oneWayPipc() throws Exception {
        Future<?> writing = writer.submit(() -> {
            for (int i = 0; i < BATCH; i++) {
                client.write(message);
            }
        });
        int bytes = 0;
        for (int i = 0; i < BATCH; i++) {
            bytes += serverSide.read().length;
        }
        writing.get();
        return bytes;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int oneWaySocketChannel() throws Exception {
        Future<?> writing = writer.submit(() -> {
            for (int i = 0; i < BATCH; i++) {
                raw.clientSend(message);
            }
            return null;
        });
        int bytes = 0;
        for (int i = 0; i < BATCH; i++) {
            bytes += raw.serverReceive().length;
        }
        writing.get();
        return bytes;
    }

    /** An echo thread on the far side of each link, so a round trip measures the two transports only. */
    @State(Scope.Benchmark)
    public static class Echo {

        @Param({"64", "65536"})
        public int size;

        byte[] message;
        PipeServer server;
        Pipe client;
        RawLink raw;
        ExecutorService echoes;

        @Setup(Level.Trial)
        public void start() throws IOException {
            message = new byte[size];
            server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client = Pipes.connect(server.address());
            Pipe serverSide = server.accept(Duration.ofSeconds(10));
            raw = new RawLink(size);
            echoes = Executors.newFixedThreadPool(2);
            echoes.submit(() -> {
                while (true) {
                    serverSide.write(serverSide.read());
                }
            });
            echoes.submit(() -> {
                while (true) {
                    raw.serverSend(raw.serverReceive());
                }
            });
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            client.close();
            server.close();
            raw.close();
            echoes.shutdownNow();
            echoes.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipc(Echo echo) {
        echo.client.write(echo.message);
        return echo.client.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripSocketChannel(Echo echo) throws IOException {
        echo.raw.clientSend(echo.message);
        return echo.raw.clientReceive();
    }

    /**
     * The baseline: two blocking SocketChannels on loopback carrying length-prefixed messages,
     * one write per message from a reused direct buffer.
     */
    static final class RawLink implements AutoCloseable {

        private final ServerSocketChannel listener;
        private final SocketChannel clientChannel;
        private final SocketChannel serverChannel;
        private final ByteBuffer clientOut;
        private final ByteBuffer serverOut;
        private final ByteBuffer clientHeader = ByteBuffer.allocateDirect(4);
        private final ByteBuffer serverHeader = ByteBuffer.allocateDirect(4);

        RawLink(int size) throws IOException {
            listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            clientChannel = SocketChannel.open(listener.getLocalAddress());
            serverChannel = listener.accept();
            for (SocketChannel channel : new SocketChannel[] {clientChannel, serverChannel}) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            clientOut = ByteBuffer.allocateDirect(4 + size);
            serverOut = ByteBuffer.allocateDirect(4 + size);
        }

        void clientSend(byte[] message) throws IOException {
            send(clientChannel, clientOut, message);
        }

        void serverSend(byte[] message) throws IOException {
            send(serverChannel, serverOut, message);
        }

        byte[] serverReceive() throws IOException {
            return receive(serverChannel, serverHeader);
        }

        byte[] clientReceive() throws IOException {
            return receive(clientChannel, clientHeader);
        }

        private static void send(SocketChannel channel, ByteBuffer out, byte[] message) throws IOException {
            out.clear();
            out.putInt(message.length).put(message).flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }

        private static byte[] receive(SocketChannel channel, ByteBuffer header) throws IOException {
            header.clear();
            fill(channel, header);
            byte[] message = new byte[header.flip().getInt()];
            fill(channel, ByteBuffer.wrap(message));
            return message;
        }

        private static void fill(SocketChannel channel, ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException();
                }
            }
        }

        @Override
        public void close() throws IOException {
            clientChannel.close();
            serverChannel.close();
            listener.close();
        }
    }
}
