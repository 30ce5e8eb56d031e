package io.pipc.benchmarks;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pipes over a Unix domain socket ({@code Pipes.server} and {@code Pipes.connect}: the NIO
 * engine, the native wire, the peer-credential check on connect) against the raw JDK doing the
 * same work: a blocking {@link SocketChannel} at each end with the framing of {@link RawFrames}.
 * Both ends live in this JVM, on separate threads; the system calls are those of two processes.
 *
 * <ul>
 * <li>one-way throughput: the far end streams messages without pause; each operation reads one.</li>
 * <li>round trip: the far end sends every message back; each operation writes one and reads its echo,
 * sampled one by one ({@code Mode.SampleTime}) for the median and the 99th percentile.</li>
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UnixBenchmark {

    static final TwoEnds.Link UNIX_SOCKETS = new TwoEnds.Link() {

        /** A pipc client and the server's pipe to it: [client, server side]. */
        @Override
        public Pipe[] pipc(TwoEnds ends) throws Exception {
            PipeOptions options = PipeOptions.builder().writeTimeout(Duration.ofMinutes(1)).build();
            PipeServer server = ends.closeAtEnd(Pipes.server(UnixDomainSocketAddress.of(ends.directory.resolve("bench.sock")), options));
            Future<Pipe> accepted = ends.far.submit(() -> server.accept(Duration.ofSeconds(30)));
            Pipe client = Pipes.connect(server.address(), options);
            return new Pipe[] {client, accepted.get(30, TimeUnit.SECONDS)};
        }

        /** Two blocking JDK socket channels on a Unix socket: the client near, the server's side far. */
        @Override
        public TwoEnds.RawEnds raw(TwoEnds ends) throws IOException {
            try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                listener.bind(UnixDomainSocketAddress.of(ends.directory.resolve("raw.sock")));
                SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                SocketChannel server = listener.accept();
                return new TwoEnds.RawEnds(client, client, server, server);
            }
        }
    };

    @State(Scope.Benchmark)
    public static class PipcStream extends TwoEnds.PipcStream {
        public PipcStream() {
            super(UNIX_SOCKETS);
        }
    }

    @State(Scope.Benchmark)
    public static class RawStream extends TwoEnds.RawStream {
        public RawStream() {
            super(UNIX_SOCKETS);
        }
    }

    @State(Scope.Benchmark)
    public static class PipcEcho extends TwoEnds.PipcEcho {
        public PipcEcho() {
            super(UNIX_SOCKETS);
        }
    }

    @State(Scope.Benchmark)
    public static class RawEcho extends TwoEnds.RawEcho {
        public RawEcho() {
            super(UNIX_SOCKETS);
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
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipe(PipcEcho echo) {
        echo.near.write(echo.message);
        return echo.near.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripRawSocketChannel(RawEcho echo) throws IOException {
        echo.out.write(echo.message);
        return echo.in.read();
    }
}
