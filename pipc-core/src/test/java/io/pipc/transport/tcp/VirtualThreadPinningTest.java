package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.testing.CloseAll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;

/**
 * Issue 15: a blocking read or write per client on a virtual thread must not pin its carrier.
 * Clients on virtual threads talk over TCP (plain and TLS), a named pipe and an in-process pair,
 * with reads that wait and a write large enough to wait for the peer, while JFR records every
 * {@code jdk.VirtualThreadPinned} event (threshold zero). None may come from those threads.
 *
 * <p>A control thread pins on purpose (it parks inside a class initializer, which pins on every
 * JDK with virtual threads), so an empty record means nothing pinned, not that nothing was
 * recorded. Virtual threads are made by reflection: the tests compile for Java 17, and are
 * skipped, with the reason, on a JDK before 21.
 */
@Timeout(120)
class VirtualThreadPinningTest {

    private static final String CONTROL = "pin-control";
    private static final int ROUND_TRIPS = 200;
    private static final int LARGE = 4 * 1024 * 1024;

    @TempDir
    Path directory;

    private final List<Closeable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        CloseAll.of(toClose);
    }

    @Test
    void blockingReadsAndWritesOnVirtualThreadsPinNoCarrier(@TempDir Path keys) throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need JDK 21 or later; this is JDK " + Runtime.version() + " (run with JDK 25 to check pinning)");
        TestCertificates certificates = TestCertificates.create(keys);
        // Once unrecorded: two virtual threads that load or initialize a class at once pin while one waits for the
        // other (the JVM's doing, once per class), and steady reading and writing is what must not pin.
        everyTransport(certificates, "warm-up-");
        Queue<RecordedEvent> pinned = new ConcurrentLinkedQueue<>();
        try (RecordingStream recording = new RecordingStream()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.onEvent("jdk.VirtualThreadPinned", pinned::add);
            recording.startAsync();
            initializeJfrThrowableTracing();

            everyTransport(certificates, "");

            run(CONTROL, () -> PinsInItsInitializer.touch()).get(30, TimeUnit.SECONDS);
            // Events arrive in the order of JFR's flushes: once the control's is here, every earlier one is too.
            await().atMost(Duration.ofSeconds(60)).until(() -> pinned.stream().anyMatch(e -> threadOf(e).startsWith(CONTROL)));
        }

        List<RecordedEvent> byPipc = pinned.stream().filter(e -> !threadOf(e).startsWith(CONTROL)).toList();
        assertThat(byPipc).as("virtual threads pinned while using pipc:%n%s", describe(byPipc)).isEmpty();
    }

    private void everyTransport(TestCertificates certificates, String prefix) throws Exception {
        PipeOptions plain = PipeOptions.builder().connectTimeout(Duration.ofSeconds(10)).build();
        echoOverTcp(prefix + "tcp", plain, plain);
        PipeOptions server = PipeOptions.builder().sslContext(certificates.server()).connectTimeout(Duration.ofSeconds(10)).build();
        PipeOptions client = PipeOptions.builder().sslContext(certificates.client()).connectTimeout(Duration.ofSeconds(10)).build();
        echoOverTcp(prefix + "tls", server, client);
        echoOverANamedPipe(prefix + "fifo");
        echoInProcess(prefix + "inproc");
    }

    /** A client and the server's pipe, each on a virtual thread: round trips, then one large message each way. */
    private void echoOverTcp(String name, PipeOptions serverOptions, PipeOptions clientOptions) throws Exception {
        PipeServer server = closeAtEnd(Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), serverOptions));
        InetSocketAddress address = new InetSocketAddress("localhost", ((InetSocketAddress) server.address()).getPort());
        CompletableFuture<Void> far = run(name + "-server", () -> echo(closeAtEnd(server.accept(Duration.ofSeconds(10)))));
        run(name + "-client", () -> talk(closeAtEnd(Pipes.connect(address, clientOptions)))).get(60, TimeUnit.SECONDS);
        far.get(60, TimeUnit.SECONDS);
    }

    private void echoOverANamedPipe(String name) throws Exception {
        PipeOptions options = PipeOptions.builder().directory(directory).connectTimeout(Duration.ofSeconds(20)).build();
        CompletableFuture<Void> far = run(name + "-creator", () -> echo(closeAtEnd(Pipes.named(name, options))));
        run(name + "-opener", () -> talk(closeAtEnd(Pipes.named(name, options)))).get(60, TimeUnit.SECONDS);
        far.get(60, TimeUnit.SECONDS);
    }

    private void echoInProcess(String name) throws Exception {
        PipePair pair = Pipes.pair();
        toClose.add(pair::close);
        CompletableFuture<Void> far = run(name + "-right", () -> echo(pair.right()));
        run(name + "-left", () -> talk(pair.left())).get(60, TimeUnit.SECONDS);
        far.get(60, TimeUnit.SECONDS);
    }

    /** Each read waits for the echo: the reading virtual thread parks in pipc every time. */
    private static void talk(Pipe pipe) {
        byte[] message = new byte[64];
        for (int i = 0; i < ROUND_TRIPS; i++) {
            message[0] = (byte) i;
            pipe.write(message);
            assertThat(pipe.read(Duration.ofSeconds(30))[0]).isEqualTo((byte) i);
        }
        // Larger than the peer's buffers: the writer waits for the peer to read it.
        pipe.write(new byte[LARGE]);
        assertThat(pipe.read(Duration.ofSeconds(30))).hasSize(LARGE);
    }

    private static void echo(Pipe pipe) {
        for (int i = 0; i <= ROUND_TRIPS; i++) {
            pipe.write(pipe.read(Duration.ofSeconds(30)));
        }
    }

    private <T extends Closeable> T closeAtEnd(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    /**
     * Once a recording runs, every new throwable passes through JFR's tracer, whose class JFR's own
     * periodic thread may still be initializing: a virtual thread that builds an exception then
     * (a named pipe's busy rendezvous lock is one) waits for that initialization pinned, once per
     * JVM. The class is initialized here, on this platform thread, before the recorded virtual threads run.
     */
    private static void initializeJfrThrowableTracing() {
        try {
            Class.forName("jdk.internal.event.ThrowableTracer", true, null);
        } catch (ClassNotFoundException notOnThisJdk) {
            // Nothing to initialize ahead.
        }
    }

    private static CompletableFuture<Void> run(String name, Runnable task) {
        Executor executor = command -> virtualThreads(name).newThread(command).start();
        return CompletableFuture.runAsync(task, executor);
    }

    /** {@code Thread.ofVirtual().name(name).factory()}, through reflection: this code compiles for Java 17. */
    private static ThreadFactory virtualThreads(String name) {
        try {
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            builder = builderType.getMethod("name", String.class).invoke(builder, name);
            return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make virtual threads on JDK " + Runtime.version(), e);
        }
    }

    private static String threadOf(RecordedEvent event) {
        return event.getThread() == null || event.getThread().getJavaName() == null ? "" : event.getThread().getJavaName();
    }

    private static String describe(List<RecordedEvent> events) {
        return events.stream().map(e -> threadOf(e) + " pinned for " + e.getDuration() + " at\n"
                + (e.getStackTrace() == null ? "  (no stack)" : e.getStackTrace().getFrames().stream()
                        .limit(20)
                        .map(VirtualThreadPinningTest::frame)
                        .collect(Collectors.joining("\n"))))
                .collect(Collectors.joining("\n\n"));
    }

    private static String frame(RecordedFrame frame) {
        return "  " + frame.getMethod().getType().getName() + "." + frame.getMethod().getName() + " line " + frame.getLineNumber();
    }

    /** Parks inside its class initializer: a virtual thread that initializes it is pinned while it parks. */
    private static final class PinsInItsInitializer {

        static {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }

        static void touch() {
        }
    }
}
