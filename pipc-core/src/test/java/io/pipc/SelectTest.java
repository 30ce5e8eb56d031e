package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SelectTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<PipePair> pairs = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        pairs.forEach(PipePair::close);
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PipePair pair() {
        PipePair pair = Pipes.pair();
        pairs.add(pair);
        return pair;
    }

    @Test
    void returnsExactlyTheReadyPipesInTheOrderGivenWithoutConsumingAnything() {
        PipePair a = pair();
        PipePair b = pair();
        PipePair c = pair();
        a.left().write("for a");
        c.left().write("for c");

        List<Selectable> ready = Pipes.select(List.of(a.right(), b.right(), c.right()), Duration.ofSeconds(1));

        assertThat(ready).containsExactly(a.right(), c.right());
        assertThat(a.right().size()).isEqualTo(1);
        assertThat(c.right().readString()).isEqualTo("for c");
    }

    @Test
    void timesOutWithAnEmptyListWhenNothingIsReady() {
        PipePair a = pair();

        assertThat(Pipes.select(List.of(a.left(), a.right()), Duration.ofMillis(50))).isEmpty();
        assertThat(Pipes.select(List.of(a.left()), Duration.ZERO)).isEmpty();
    }

    @Test
    void wakesWhenAMessageArrives() throws Exception {
        PipePair a = pair();
        PipePair b = pair();
        Future<List<Selectable>> selecting = threads.submit(() -> Pipes.select(List.of(a.right(), b.right()), Duration.ofSeconds(20)));
        awaitWaiting(selecting, a.right(), b.right());

        b.left().write("wake up");

        assertThat(selecting.get(10, TimeUnit.SECONDS)).containsExactly(b.right());
    }

    @Test
    void wakesWhenAPeerClosesAndThenReadDoesNotBlock() throws Exception {
        PipePair a = pair();
        Future<List<Selectable>> selecting = threads.submit(() -> Pipes.select(List.of(a.right()), Duration.ofSeconds(20)));
        awaitWaiting(selecting, a.right());

        a.left().close();

        assertThat(selecting.get(10, TimeUnit.SECONDS)).containsExactly(a.right());
        assertThatThrownBy(() -> a.right().read()).isInstanceOf(PeerClosedException.class);
    }

    @Test
    void aDisconnectedPeerMakesThePipeReady() {
        PipePair a = pair();
        a.left().disconnect("bye");

        assertThat(Pipes.select(List.of(a.right()), Duration.ofSeconds(1))).containsExactly(a.right());
        assertThatThrownBy(() -> a.right().read()).isInstanceOf(PeerDisconnectedException.class);
        assertThat(Pipes.select(List.of(a.right()), Duration.ZERO)).isEmpty();
    }

    @Test
    void aClosedPipeIsReadySoThatReadFailsAtOnce() {
        PipePair a = pair();
        a.right().close();

        assertThat(Pipes.select(List.of(a.right()), Duration.ZERO)).containsExactly(a.right());
    }

    @Test
    void typedPipesAndCustomSelectablesMixWithPipes() throws Exception {
        PipePair a = pair();
        AtomicBoolean flag = new AtomicBoolean();
        Readiness custom = new Readiness(flag::get);
        Selectable mine = () -> custom;
        TypedPipe<byte[]> typed = a.right().typed(new IdentityCodec());
        Future<List<Selectable>> selecting = threads.submit(() -> Pipes.select(List.of(typed, mine), Duration.ofSeconds(20)));
        awaitWaiting(selecting, mine);

        flag.set(true);
        custom.signal();

        assertThat(selecting.get(10, TimeUnit.SECONDS)).containsExactly(mine);
    }

    @Test
    void aBlockedSelectUsesNoCpu() throws Exception {
        PipePair a = pair();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        CompletableFuture<Long> cpuNanos = new CompletableFuture<>();
        Thread selector = new Thread(() -> {
            // Once first, so that what loading the classes of a select costs is not counted.
            Pipes.select(List.of(a.right()), Duration.ZERO);
            long before = mx.getCurrentThreadCpuTime();
            Pipes.select(List.of(a.right()), Duration.ofMillis(500));
            cpuNanos.complete(mx.getCurrentThreadCpuTime() - before);
        });
        selector.start();

        // A spinning select would burn most of its 500 ms even on a busy machine.
        assertThat(cpuNanos.get(10, TimeUnit.SECONDS)).isLessThan(Duration.ofMillis(50).toNanos());
    }

    @Test
    void refusesNegativeTimeoutsAndNullCandidates() {
        PipePair a = pair();

        assertThatThrownBy(() -> Pipes.select(List.of(a.left()), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
        List<Selectable> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> Pipes.select(withNull, Duration.ZERO)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void signalsLeaveNoWaiterBehind() throws Exception {
        PipePair a = pair();
        PipePair b = pair();
        for (int i = 0; i < 100; i++) {
            Pipes.select(List.of(a.right(), b.right()), Duration.ZERO);
        }
        assertThat(Pipes.select(List.of(a.right(), b.right()), Duration.ofMillis(20))).isEmpty();
        Future<List<Selectable>> woken = threads.submit(() -> Pipes.select(List.of(a.right(), b.right()), Duration.ofSeconds(10)));
        await().until(() -> a.right().readiness().waiterCount() == 1);
        a.left().write("x");
        assertThat(woken.get(10, TimeUnit.SECONDS)).containsExactly(a.right());

        // Every select unregistered itself, whether it found nothing, timed out or was woken: no
        // later write tries to wake a thread that has gone.
        assertThat(a.right().readiness().waiterCount()).isZero();
        assertThat(b.right().readiness().waiterCount()).isZero();
    }

    /** Until the select has found nothing ready and waits on every candidate, without returning. */
    private static void awaitWaiting(Future<?> selecting, Selectable... candidates) {
        await().until(() -> java.util.Arrays.stream(candidates).allMatch(c -> c.readiness().waiterCount() == 1));
        assertThat(selecting).isNotDone();
    }

    private static final class IdentityCodec implements Codec<byte[]> {
        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] message) {
            return message;
        }
    }
}
