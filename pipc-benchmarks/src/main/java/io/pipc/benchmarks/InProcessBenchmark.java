package io.pipc.benchmarks;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * In-process pipes between two threads against the JDK's hand-offs carrying copies of the same
 * arrays (a pipe copies what it is given, so the baselines copy too): {@link ArrayBlockingQueue},
 * bounded like a pipe, and {@link SynchronousQueue}, which hands each element from thread to
 * thread with no buffer at all. One-way throughput: a writer thread streams, the benchmark thread
 * reads. Round trip: an echo thread answers every message, sampled one by one for the median
 * and the 99th percentile.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class InProcessBenchmark {

    private static final int BATCH = 100_000;

    @Param({"64", "4096", "65536"})
    public int size;

    private byte[] message;
    private PipePair pair;
    private BlockingQueue<byte[]> bounded;
    private BlockingQueue<byte[]> synchronous;
    private ExecutorService peer;

    @Setup(Level.Trial)
    public void open() {
        message = new byte[size];
        pair = Pipes.pair(PipeOptions.builder().writeTimeout(Duration.ofMinutes(1)).build());
        bounded = new ArrayBlockingQueue<>(4096);
        synchronous = new SynchronousQueue<>();
        peer = Executors.newSingleThreadExecutor();
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        pair.close();
        peer.shutdownNow();
        peer.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int oneWayPipe() throws Exception {
        return oneWayPipe(false);
    }

    /**
     * As {@link #oneWayPipe()}, but the writer hands its array over ({@link Pipe#handOver}) instead
     * of having it copied: the same constant array every time, which the contract allows since
     * nobody changes it, as JeroMQ's inproc benchmark sends its one array.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int oneWayPipeHandOver() throws Exception {
        return oneWayPipe(true);
    }

    private int oneWayPipe(boolean handOver) throws Exception {
        Pipe writer = pair.left();
        Future<?> writing = peer.submit(() -> {
            for (int i = 0; i < BATCH; i++) {
                if (handOver) {
                    writer.handOver(message);
                } else {
                    writer.write(message);
                }
            }
        });
        int bytes = 0;
        Pipe reader = pair.right();
        for (int i = 0; i < BATCH; i++) {
            bytes += reader.read().length;
        }
        writing.get();
        return bytes;
    }

    /**
     * The copy alone, on one thread with no hand-off: what every copying write does for its
     * message ({@code message.clone()}, a fresh array filled), so the most messages a second any
     * copying one-way path can carry, whatever hands them over. The array escapes to the
     * Blackhole, so the allocation and the copy stay.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void copyOnly(Blackhole sink) {
        for (int i = 0; i < BATCH; i++) {
            sink.consume(message.clone());
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int oneWayBlockingQueue() throws Exception {
        return oneWay(bounded);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int oneWaySynchronousQueue() throws Exception {
        return oneWay(synchronous);
    }

    private int oneWay(BlockingQueue<byte[]> queue) throws Exception {
        Future<?> writing = peer.submit(() -> {
            for (int i = 0; i < BATCH; i++) {
                queue.put(message.clone());
            }
            return null;
        });
        int bytes = 0;
        for (int i = 0; i < BATCH; i++) {
            bytes += queue.take().length;
        }
        writing.get();
        return bytes;
    }

    /** Echo state: echo threads per trial, so a round trip measures only the hand-offs. */
    @State(Scope.Benchmark)
    public static class Echo {

        PipePair pair;
        BlockingQueue<byte[]> boundedRequests;
        BlockingQueue<byte[]> boundedResponses;
        BlockingQueue<byte[]> synchronousRequests;
        BlockingQueue<byte[]> synchronousResponses;
        ExecutorService threads;
        byte[] message;

        @Param({"64", "4096", "65536"})
        public int size;

        @Setup(Level.Trial)
        public void start() {
            message = new byte[size];
            pair = Pipes.pair();
            boundedRequests = new ArrayBlockingQueue<>(16);
            boundedResponses = new ArrayBlockingQueue<>(16);
            synchronousRequests = new SynchronousQueue<>();
            synchronousResponses = new SynchronousQueue<>();
            threads = Executors.newFixedThreadPool(3);
            threads.submit(() -> {
                Pipe right = pair.right();
                while (true) {
                    right.write(right.read());
                }
            });
            echo(boundedRequests, boundedResponses);
            echo(synchronousRequests, synchronousResponses);
        }

        private void echo(BlockingQueue<byte[]> requests, BlockingQueue<byte[]> responses) {
            threads.submit(() -> {
                while (true) {
                    responses.put(requests.take().clone());
                }
            });
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            pair.close();
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipe(Echo echo) {
        echo.pair.left().write(echo.message);
        return echo.pair.left().read();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripBlockingQueue(Echo echo) throws InterruptedException {
        echo.boundedRequests.put(echo.message.clone());
        return echo.boundedResponses.take();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripSynchronousQueue(Echo echo) throws InterruptedException {
        echo.synchronousRequests.put(echo.message.clone());
        return echo.synchronousResponses.take();
    }
}
