package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PollerTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<PipePair> pairs = new ArrayList<>();
    private final Poller poller = Pipes.poller();

    @AfterEach
    void tearDown() throws InterruptedException {
        poller.close();
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
    void returnsTheReadyPipesAgainUntilTheyAreReadWithoutConsumingAnything() {
        PipePair a = pair();
        PipePair b = pair();
        PipePair c = pair();
        poller.add(a.right());
        poller.add(b.right());
        poller.add(c.right());
        a.left().write("for a");
        c.left().write("for c");

        assertThat(poller.poll(Duration.ofSeconds(5))).containsExactlyInAnyOrder(a.right(), c.right());
        assertThat(a.right().size()).isEqualTo(1);
        // Level-triggered: what was left unread is returned again without a new signal.
        assertThat(c.right().readString()).isEqualTo("for c");
        assertThat(poller.poll(Duration.ofSeconds(5))).containsExactly(a.right());
        assertThat(a.right().readString()).isEqualTo("for a");
        assertThat(poller.poll(Duration.ZERO)).isEmpty();
    }

    @Test
    void aCandidateAlreadyReadyWhenAddedIsReturnedByTheNextPoll() {
        PipePair a = pair();
        a.left().write("early");

        poller.add(a.right());

        assertThat(poller.poll(Duration.ZERO)).containsExactly(a.right());
    }

    @Test
    void timesOutWithAnEmptyListWhenNothingIsReady() {
        poller.add(pair().right());

        assertThat(poller.poll(Duration.ofMillis(50))).isEmpty();
    }

    @Test
    void aBlockedPollWakesWhenAnotherThreadWrites() throws Exception {
        PipePair a = pair();
        PipePair b = pair();
        poller.add(a.right());
        poller.add(b.right());
        Future<List<Selectable>> polled = threads.submit(() -> poller.poll(Duration.ofSeconds(20)));
        await().until(poller::isPolling);

        b.left().write("wake up");

        assertThat(polled.get(10, TimeUnit.SECONDS)).containsExactly(b.right());
    }

    @Test
    void aPollChecksOnlyTheCandidatesThatSignalledNotEveryCandidate() {
        AtomicInteger idleChecks = new AtomicInteger();
        List<Readiness> idle = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Readiness readiness = new Readiness(() -> {
                idleChecks.incrementAndGet();
                return false;
            });
            idle.add(readiness);
            poller.add(() -> readiness);
        }
        PipePair busy = pair();
        poller.add(busy.right());
        assertThat(poller.poll(Duration.ZERO)).isEmpty();
        assertThat(idleChecks).hasValue(1000);

        for (int i = 0; i < 100; i++) {
            busy.left().write("ping " + i);
            assertThat(poller.poll(Duration.ofSeconds(5))).containsExactly(busy.right());
            assertThat(busy.right().readString()).isEqualTo("ping " + i);
        }

        assertThat(idleChecks).hasValue(1000);
        idle.get(7).signal();
        assertThat(poller.poll(Duration.ZERO)).isEmpty();
        assertThat(idleChecks).hasValue(1001);
    }

    @Test
    void aCandidateThatSignalsJustAfterItsRecheckSaidNotReadyIsReturned() {
        AtomicBoolean ready = new AtomicBoolean(true);
        AtomicInteger checks = new AtomicInteger();
        Readiness[] readiness = new Readiness[1];
        readiness[0] = new Readiness(() -> {
            if (checks.incrementAndGet() == 2) {
                // The recheck of what the last poll returned finds nothing, and a message arrives just after.
                ready.set(true);
                readiness[0].signal();
                return false;
            }
            return ready.get();
        });
        Selectable candidate = () -> readiness[0];
        poller.add(candidate);
        assertThat(poller.poll(Duration.ZERO)).containsExactly(candidate);
        ready.set(false);

        assertThat(poller.poll(Duration.ofSeconds(5))).containsExactly(candidate);
        assertThat(checks).hasValue(3);
    }

    @Test
    void aRemovedCandidateIsNeitherReturnedNorSignalledAndAddingTwiceIsRefused() {
        PipePair a = pair();
        PipePair b = pair();
        poller.add(a.right());
        poller.add(b.right());
        assertThatThrownBy(() -> poller.add(a.right()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in this poller already");

        assertThat(poller.remove(a.right())).isTrue();
        assertThat(poller.remove(a.right())).isFalse();
        a.left().write("not for the poller");
        b.left().write("for the poller");

        assertThat(poller.poll(Duration.ofSeconds(5))).containsExactly(b.right());
        assertThat(poller.size()).isEqualTo(1);
        assertThat(a.right().readiness().waiterCount()).isZero();
    }

    @Test
    void addingAndRemovingFromTwoThreadsAtOnceLeavesNoRegistrationBehind() throws Exception {
        PipePair a = pair();
        Readiness readiness = a.right().readiness();
        for (int round = 0; round < 2_000; round++) {
            Future<?> remover = threads.submit(() -> {
                while (!poller.remove(a.right())) {
                    Thread.onSpinWait();
                }
            });
            poller.add(a.right());
            remover.get(10, TimeUnit.SECONDS);
            assertThat(readiness.waiterCount()).as("registrations after round %d", round).isZero();
        }
    }

    @Test
    void aPipeWhosePeerClosedIsReadySoThatItsReadDoesNotBlock() {
        PipePair a = pair();
        poller.add(a.right());

        a.left().close();

        assertThat(poller.poll(Duration.ofSeconds(5))).containsExactly(a.right());
        assertThatThrownBy(() -> a.right().read(Duration.ZERO)).isInstanceOf(PeerClosedException.class);
    }

    @Test
    void closingWakesABlockedPollAndUnregistersEveryCandidate() throws Exception {
        PipePair a = pair();
        poller.add(a.right());
        Future<List<Selectable>> polled = threads.submit(() -> poller.poll(Duration.ofSeconds(20)));
        await().until(poller::isPolling);

        poller.close();

        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                polled.get(10, TimeUnit.SECONDS);
                return null;
            } catch (Exception failure) {
                return failure.getCause();
            }
        }).get(15, TimeUnit.SECONDS)).isInstanceOf(PipeClosedException.class).hasMessageContaining("poller is closed");
        assertThat(a.right().readiness().waiterCount()).isZero();
        assertThat(poller.size()).isZero();
        assertThatThrownBy(() -> poller.poll(Duration.ZERO)).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> poller.add(pair().right())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("poller is closed");
    }

    @Test
    void aSecondThreadPollingAtTheSameTimeIsRefused() throws Exception {
        poller.add(pair().right());
        Future<List<Selectable>> first = threads.submit(() -> poller.poll(Duration.ofSeconds(20)));
        await().until(poller::isPolling);

        assertThatThrownBy(() -> poller.poll(Duration.ZERO))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("one thread polls at a time");

        poller.close();
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return first.get(10, TimeUnit.SECONDS);
            } catch (Exception expected) {
                return List.of();
            }
        }).get(15, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void anInterruptedPollThrowsAndKeepsTheInterruptFlag() throws Exception {
        poller.add(pair().right());
        AtomicBoolean flagKept = new AtomicBoolean();
        Future<Throwable> polled = threads.submit(() -> {
            try {
                poller.poll(Duration.ofSeconds(20));
                return null;
            } catch (PipeException expected) {
                flagKept.set(Thread.currentThread().isInterrupted());
                return expected;
            }
        });
        await().until(poller::isPolling);

        polled.cancel(false);
        threads.shutdownNow();

        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        await().untilTrue(flagKept);
    }

    @Test
    void servesAServerAndItsClientsLikeTheSelectLoopWithoutLosingAMessage() throws Exception {
        int clients = 8;
        int messages = 500;
        try (PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            poller.add(server);
            List<Future<Integer>> senders = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                senders.add(threads.submit(() -> {
                    try (Pipe pipe = Pipes.connect(server.address())) {
                        int echoed = 0;
                        for (int i = 0; i < messages; i++) {
                            pipe.write("m" + i);
                        }
                        for (int i = 0; i < messages; i++) {
                            assertThat(pipe.readString()).isEqualTo("m" + i);
                            echoed++;
                        }
                        return echoed;
                    }
                }));
            }
            int served = 0;
            List<Pipe> open = new ArrayList<>();
            while (served < clients * messages) {
                for (Selectable ready : poller.poll(Duration.ofSeconds(10))) {
                    if (ready == server) {
                        Pipe client = server.accept();
                        open.add(client);
                        poller.add(client);
                    } else if (ready instanceof Pipe pipe) {
                        List<byte[]> queued = pipe.pending();
                        if (queued.isEmpty()) {                // ready with nothing queued: the peer has gone
                            poller.remove(pipe);
                            pipe.close();
                        }
                        for (byte[] message : queued) {
                            pipe.write(message);
                            served++;
                        }
                    }
                }
            }
            for (Future<Integer> sender : senders) {
                assertThat(sender.get(20, TimeUnit.SECONDS)).isEqualTo(messages);
            }
            open.forEach(Pipe::close);
        }
    }
}
