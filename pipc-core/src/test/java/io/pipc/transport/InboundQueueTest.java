package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.pipc.Envelope;
import io.pipc.PipeClosedException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What an inbound queue tells a shared byte budget, and the reader emptying it. */
@Timeout(10)
class InboundQueueTest {

    private final InboundQueue queue = new InboundQueue(100, 10_000);
    private final AtomicLong account = new AtomicLong();
    private final AtomicInteger emptied = new AtomicInteger();

    @Test
    void bytesAreCountedInWhenQueuedAndOutWhenRead() throws InterruptedException {
        queue.accountBytesTo(account::addAndGet);

        queue.offerAvailable(List.of(message(100), message(20), message(3)), 0);
        assertThat(account).hasValue(123);

        queue.take(0);
        assertThat(account).hasValue(23);

        queue.drain();
        assertThat(account).hasValue(0);
    }

    @Test
    void bytesDroppedByACloseAreCountedOut() throws InterruptedException {
        queue.accountBytesTo(account::addAndGet);
        queue.offer(message(50), 0);
        queue.offer(message(7), 0);

        queue.close(this::closed, this::closed);

        assertThat(account).hasValue(0);
    }

    @Test
    void messagesLeftAfterTheEndStayCountedUntilRead() throws InterruptedException {
        queue.accountBytesTo(account::addAndGet);
        queue.offer(message(50), 0);

        queue.finish(this::closed, this::closed);
        assertThat(account).as("the reader may still take it").hasValue(50);

        queue.take(0);
        assertThat(account).hasValue(0);
    }

    @Test
    void theReaderThatTakesTheLastMessageSaysSoOnce() throws InterruptedException {
        queue.offerAvailable(List.of(message(1), message(1)), 0);

        assertThat(queue.notifyWhenEmptied(emptied::incrementAndGet)).isTrue();
        queue.take(0);
        assertThat(emptied).as("one message is left").hasValue(0);
        queue.take(0);
        assertThat(emptied).hasValue(1);

        queue.offer(message(1), 0);
        queue.drain();
        assertThat(emptied).as("told once per registration").hasValue(1);
    }

    @Test
    void drainingTellsToo() {
        queue.offerAvailable(List.of(message(1), message(1)), 0);
        queue.notifyWhenEmptied(emptied::incrementAndGet);

        queue.drain();

        assertThat(emptied).hasValue(1);
    }

    @Test
    void anEmptyQueueRegistersNothing() throws InterruptedException {
        assertThat(queue.notifyWhenEmptied(emptied::incrementAndGet)).isFalse();

        queue.offer(message(1), 0);
        queue.take(0);

        assertThat(emptied).hasValue(0);
    }

    private PipeClosedException closed() {
        return new PipeClosedException("closed");
    }

    private static Envelope message(int size) {
        return Envelope.of(new byte[size]);
    }
}
