package io.pipc.transport.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.PipeClosedException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The in-process queue's own protocol: a side that sleeps announces it, and the other side
 * wakes it only then; no wake-up may be lost, and no bound overflowed.
 */
@Timeout(60)
class InProcessQueueTest {

    private static final long FOREVER = Long.MAX_VALUE;

    /** No spin: a reader that finds nothing sleeps at once, so nearly every message crosses the sleep protocol. */
    private static InProcessQueue sleepingAtOnce(int maxMessages, long maxBytes) {
        return new InProcessQueue(maxMessages, maxBytes, null);
    }

    private static byte[] numbered(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    private static int number(byte[] message) {
        return ByteBuffer.wrap(message).getInt();
    }

    @Test
    @Timeout(20)
    void aPingPongBetweenReadersThatSleepAtOnceLosesNoWakeUp() throws Exception {
        InProcessQueue requests = sleepingAtOnce(16, 1024);
        InProcessQueue responses = sleepingAtOnce(16, 1024);
        int rounds = 50_000;
        CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    byte[] request = requests.takePayload(FOREVER);
                    responses.offer(request, FOREVER);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        for (int i = 0; i < rounds; i++) {
            requests.offer(numbered(i), FOREVER);
            // A lost wake-up leaves one side asleep for ever: the class's timeout fails the test.
            byte[] response = responses.takePayload(FOREVER);
            if (number(response) != i) {
                assertThat(number(response)).as("round %d", i).isEqualTo(i);
            }
        }
        echo.get(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(20)
    void aWriterSleepingOnAFullQueueIsWokenEveryTimeAndTheBoundIsNeverOverflowed() throws Exception {
        // One message: every take empties the queue, so a wake-up lost there leaves both sides asleep.
        int bound = 1;
        InProcessQueue queue = sleepingAtOnce(bound, 1 << 20);
        int count = InProcessQueue.CHUNK * 200 + 7;
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    queue.offer(numbered(i), FOREVER);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        int mostSeen = 0;
        for (int i = 0; i < count; i++) {
            // Only this thread takes, so the size it reads cannot be inflated by a take meanwhile.
            mostSeen = Math.max(mostSeen, queue.size());
            byte[] message = queue.takePayload(FOREVER);
            if (number(message) != i) {
                assertThat(number(message)).as("message %d", i).isEqualTo(i);
            }
        }
        writer.get(10, TimeUnit.SECONDS);
        assertThat(mostSeen).isLessThanOrEqualTo(bound).isPositive();
        assertThat(queue.size()).isZero();
    }

    @Test
    void theByteBoundHoldsAWriterBackUntilTheReaderHasTakenEnough() throws Exception {
        InProcessQueue queue = sleepingAtOnce(1000, 10);
        queue.offer(new byte[6], 0);

        assertThat(queue.offer(new byte[6], 0)).as("6 + 6 bytes exceed the bound of 10").isFalse();
        CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.offer(new byte[6], FOREVER);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> queue.producersWaiting() == 1);
        assertThat(writer).isNotDone();

        assertThat(queue.takePayload(0)).hasSize(6);

        assertThat(writer.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queue.size()).isOne();
    }

    @Test
    void burstsDeeperThanAChunkReuseTheChunksTheirReadersEmptied() throws InterruptedException {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count a thread's allocations");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        InProcessQueue queue = sleepingAtOnce(8 * InProcessQueue.CHUNK, 1 << 20);
        byte[] message = new byte[8];
        int burst = 3 * InProcessQueue.CHUNK + 1;
        for (int round = 0; round < 200; round++) {
            burst(queue, message, burst);
        }
        long thread = Thread.currentThread().getId();

        long before = threads.getThreadAllocatedBytes(thread);
        for (int round = 0; round < 100; round++) {
            burst(queue, message, burst);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        // A new chunk is 1 KiB of slots: a queue that kept a single spare made two or three a burst,
        // 200 KiB in all; the bound leaves room for what the measuring itself may allocate.
        assertThat(allocated).as("bytes allocated by 100 bursts of %d messages", burst).isLessThan(8 * 1024);
    }

    private static void burst(InProcessQueue queue, byte[] message, int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            queue.offer(message, 0);
        }
        for (int i = 0; i < count; i++) {
            if (queue.takePayload(0) != message) {
                throw new AssertionError("message " + i + " of the burst is not the array handed over");
            }
        }
    }

    @Test
    void anEventAtTheStartOfAChunkStopsADrainAndIsThrownOnceInItsPlace() throws InterruptedException {
        InProcessQueue queue = sleepingAtOnce(4 * InProcessQueue.CHUNK, 1 << 20);
        for (int i = 0; i < InProcessQueue.CHUNK; i++) {
            queue.offer(numbered(i), 0);
        }
        queue.addEvent(() -> new PeerDisconnectedException("gone", "test"));
        queue.offer(numbered(-1), 0);

        assertThat(queue.size()).as("events are not messages").isEqualTo(InProcessQueue.CHUNK + 1);
        List<byte[]> drained = queue.drainPayloads();
        assertThat(drained).hasSize(InProcessQueue.CHUNK);
        assertThat(number(drained.get(InProcessQueue.CHUNK - 1))).isEqualTo(InProcessQueue.CHUNK - 1);
        assertThat(queue.drainPayloads()).as("a drain stops before the event").isEmpty();
        assertThatThrownBy(() -> queue.takePayload(0)).isInstanceOf(PeerDisconnectedException.class);
        assertThat(number(queue.takePayload(0))).isEqualTo(-1);
        assertThat(queue.takePayload(0)).isNull();
    }

    @Test
    void closeDropsWhatIsQueuedAndWakesASleepingReaderAndWriter() throws Exception {
        InProcessQueue full = sleepingAtOnce(1, 1024);
        full.offer(numbered(1), 0);
        InProcessQueue empty = sleepingAtOnce(1, 1024);
        CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> {
            try {
                return full.offer(numbered(2), FOREVER);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return empty.takePayload(FOREVER);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> full.producersWaiting() == 1 && empty.readersWaiting() == 1);

        assertThat(full.close(() -> new PipeClosedException("closed"), () -> new PeerClosedException("peer closed")))
                .as("messages dropped").isOne();
        empty.close(() -> new PipeClosedException("closed"), () -> new PeerClosedException("peer closed"));

        assertThatThrownBy(() -> writer.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PeerClosedException.class);
        assertThatThrownBy(() -> reader.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeClosedException.class);
        assertThat(full.size()).isZero();
        assertThatThrownBy(() -> full.takePayload(0)).isInstanceOf(PipeClosedException.class);
    }

    @Test
    void aTakenMessageLargerThanALinesShareIsLetGoAtOnce() throws Exception {
        InProcessQueue queue = sleepingAtOnce(64, 1 << 20);
        byte[] large = new byte[4096];
        WeakReference<byte[]> taken = new WeakReference<>(large);
        queue.offer(large, 0);
        queue.offer(numbered(1), 0);
        large = null;

        assertThat(queue.takePayload(0)).hasSize(4096);

        // Its slot's line is not done (a small message follows it): only its own emptying lets it go.
        await().atMost(10, TimeUnit.SECONDS).until(() -> collected(List.of(taken)));
        assertThat(number(queue.takePayload(0))).isOne();
    }

    @Test
    void smallTakenMessagesAreLetGoWhenTheLastSlotOfTheirLineIsTaken() throws Exception {
        InProcessQueue queue = sleepingAtOnce(4 * InProcessQueue.CHUNK, 1 << 20);
        // The queue reuses its chunks: a slot left filled would be read again as a new message.
        for (int round = 0; round < 3; round++) {
            List<WeakReference<byte[]>> taken = new ArrayList<>();
            int count = InProcessQueue.CHUNK + InProcessQueue.LINE_SLOTS;
            for (int i = 0; i < count; i++) {
                byte[] message = numbered(round * count + i);
                taken.add(new WeakReference<>(message));
                queue.offer(message, 0);
            }
            for (int i = 0; i < count; i++) {
                assertThat(number(queue.takePayload(0))).isEqualTo(round * count + i);
            }
            assertThat(queue.takePayload(0)).as("nothing but what was written").isNull();

            await().atMost(10, TimeUnit.SECONDS).until(() -> collected(taken));
        }
    }

    /** Asks for one collection and says whether every referent went. */
    private static boolean collected(List<? extends WeakReference<?>> references) {
        System.gc();
        return references.stream().allMatch((reference) -> reference.get() == null);
    }
}
