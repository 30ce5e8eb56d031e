package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.PipeClosedException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A queue whose readers spin before parking behaves as one whose readers park at once. */
@Timeout(20)
class InboundQueueSpinTest {

    private final InboundQueue queue = spinning();

    private static InboundQueue spinning() {
        InboundQueue queue = new InboundQueue(16, 1024);
        queue.spinBeforeWaiting(new AdaptiveSpin(1 << 12, 1 << 12));
        return queue;
    }

    @Test
    void anEmptyQueueStillTimesOutAfterTheSpin() throws InterruptedException {
        assertThat(queue.take(TimeUnit.MILLISECONDS.toNanos(20))).isNull();
    }

    @Test
    void aZeroTimeoutTakeFromAnEmptyQueueReturnsAtOnce() throws InterruptedException {
        AdaptiveSpin neverSpunOn = new AdaptiveSpin(1 << 30, 1 << 30);
        queue.spinBeforeWaiting(neverSpunOn);

        assertThat(queue.take(0)).isNull();
        assertThat(neverSpunOn.budget()).as("a spin in vain would have halved it").isEqualTo(1 << 30);
    }

    @Test
    void everyMessageFromAnotherThreadArrivesOnceAndInOrder() throws Exception {
        int count = 200_000;
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    queue.offer(Envelope.of(new byte[] {(byte) i}), Long.MAX_VALUE);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        for (int i = 0; i < count; i++) {
            Envelope message = queue.take(TimeUnit.SECONDS.toNanos(10));
            assertThat(message).as("message %d", i).isNotNull();
            if (message.payload()[0] != (byte) i) {
                assertThat(message.payload()[0]).as("message %d", i).isEqualTo((byte) i);
            }
        }
        producer.get(10, TimeUnit.SECONDS);
        assertThat(queue.size()).isZero();
    }

    @Test
    void aReaderWaitingPastItsSpinIsWokenByClose() throws Exception {
        queue.spinBeforeWaiting(new AdaptiveSpin(1, 1));
        CompletableFuture<Envelope> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.take(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        queue.close(() -> new PipeClosedException("closed"), () -> new PipeClosedException("closed"));

        assertThatThrownBy(() -> reader.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeClosedException.class);
    }
}
