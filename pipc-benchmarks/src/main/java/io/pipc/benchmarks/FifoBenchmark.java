package io.pipc.benchmarks;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.Pipes;
import io.pipc.posix.Posix;

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
 * Named pipes ({@code Pipes.named}, two FIFOs and the native wire) against the raw JDK doing the
 * same work over FIFOs: a {@link FileChannel} per direction with the framing of
 * {@link RawFrames}. Both ends live in this JVM, on separate threads; the system calls are those
 * of two processes.
 *
 * <ul>
 * <li>one-way throughput: a writer thread streams messages without pause; each operation reads one.</li>
 * <li>round trip: an echo thread sends every message back; each operation writes one and reads its echo,
 * sampled one by one ({@code Mode.SampleTime}) for the median and the 99th percentile.</li>
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class FifoBenchmark {

    static final TwoEnds.Link FIFOS = new TwoEnds.Link() {

        /** Two pipc ends meeting on a named pipe: one made here, one on a far thread. */
        @Override
        public Pipe[] pipc(TwoEnds ends) throws Exception {
            PipeOptions options = PipeOptions.builder().directory(ends.directory)
                    .writeTimeout(Duration.ofMinutes(1)).connectTimeout(Duration.ofSeconds(30)).build();
            Future<Pipe> far = ends.far.submit(() -> Pipes.named("bench", options));
            Pipe near = Pipes.named("bench", options);
            return new Pipe[] {near, far.get(30, TimeUnit.SECONDS)};
        }

        /** Two raw FIFOs, one per direction, opened in the same order on both sides (blocking opens pair up). */
        @Override
        public TwoEnds.RawEnds raw(TwoEnds ends) throws Exception {
            Path toFar = ends.directory.resolve("to-far");
            Path toNear = ends.directory.resolve("to-near");
            Posix.system().mkfifo(toFar, 0600);
            Posix.system().mkfifo(toNear, 0600);
            Future<FileChannel[]> farEnds = ends.far.submit(() -> new FileChannel[] {
                FileChannel.open(toFar, StandardOpenOption.READ), FileChannel.open(toNear, StandardOpenOption.WRITE)});
            FileChannel nearOut = FileChannel.open(toFar, StandardOpenOption.WRITE);
            FileChannel nearIn = FileChannel.open(toNear, StandardOpenOption.READ);
            FileChannel[] far = farEnds.get(30, TimeUnit.SECONDS);
            return new TwoEnds.RawEnds(nearIn, nearOut, far[0], far[1]);
        }
    };

    @State(Scope.Benchmark)
    public static class PipcStream extends TwoEnds.PipcStream {
        public PipcStream() {
            super(FIFOS);
        }
    }

    @State(Scope.Benchmark)
    public static class RawStream extends TwoEnds.RawStream {
        public RawStream() {
            super(FIFOS);
        }
    }

    @State(Scope.Benchmark)
    public static class PipcEcho extends TwoEnds.PipcEcho {
        public PipcEcho() {
            super(FIFOS);
        }
    }

    @State(Scope.Benchmark)
    public static class RawEcho extends TwoEnds.RawEcho {
        public RawEcho() {
            super(FIFOS);
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
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipe(PipcEcho echo) {
        echo.near.write(echo.message);
        return echo.near.read();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripRawFileChannel(RawEcho echo) throws IOException {
        echo.out.write(echo.message);
        return echo.in.read();
    }
}
