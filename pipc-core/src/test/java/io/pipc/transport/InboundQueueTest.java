package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.pipc.Envelope;
import io.pipc.PipeClosedException;
import io.pipc.wire.Frame;

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

    @Test
    void decodedEntriesGoInUpToAControlFrameAndPayloadsAreKeptAsTheyAre() throws InterruptedException {
        byte[] plain = new byte[] {1, 2};
        Envelope withHeaders = new Envelope(new byte[] {3}, "7", null);
        List<Object> entries = List.of(plain, withHeaders, Frame.Heartbeat.INSTANCE, new byte[] {4});

        int next = queue.offerEntries(entries, 0);

        assertThat(next).as("stops at the control frame").isEqualTo(2);
        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.takePayload(0)).isSameAs(plain);
        assertThat(queue.take(0)).isSameAs(withHeaders);
        assertThat(queue.offerEntries(entries, 3)).isEqualTo(4);
        assertThat(queue.takePayload(0)).containsExactly(4);
    }

    @Test
    void decodedEntriesStopWhereThereIsNoRoomAndAreDroppedOnceClosed() {
        InboundQueue small = new InboundQueue(2, 10_000);
        List<Object> entries = List.of(new byte[1], new byte[1], new byte[1], Frame.Goodbye.INSTANCE);

        assertThat(small.offerEntries(entries, 0)).as("room for two").isEqualTo(2);
        assertThat(small.size()).isEqualTo(2);

        small.close(this::closed, this::closed);
        assertThat(small.offerEntries(entries, 2)).as("dropped up to the control frame").isEqualTo(3);
    }

    private PipeClosedException closed() {
        return new PipeClosedException("closed");
    }

    private static Envelope message(int size) {
        return Envelope.of(new byte[size]);
    }

    @Test
    void aBlockedProducerWaitsCountedUntilTheReaderHasDrainedHalf() throws Exception {
        InboundQueue small = new InboundQueue(4, 1_000_000);
        for (int i = 0; i < 4; i++) {
            small.offer(message(1), 0);
        }
        java.util.concurrent.CompletableFuture<Boolean> producer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return small.offer(message(1), Long.MAX_VALUE);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> small.producersWaiting() == 1);

        small.take(0);
        // One message out of four is not half: the producer still waits, and refills in a batch later.
        assertThat(small.producersWaiting()).isEqualTo(1);
        assertThat(producer).isNotDone();
        small.take(0);

        assertThat(producer.get(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(small.size()).isEqualTo(3);
    }

    @Test
    void aNonBlockingProducerIsToldWhatFittedAndHearsOnceWhenThereIsRoom() throws InterruptedException {
        InboundQueue small = new InboundQueue(4, 1_000_000);
        AtomicInteger room = new AtomicInteger();
        small.onRoom(room::incrementAndGet);

        int taken = small.offerAvailable(List.of(message(1), message(2), message(3), message(4), message(5), message(6)), 0);
        assertThat(taken).isEqualTo(4);
        small.take(0);
        assertThat(room).as("not yet half drained").hasValue(0);
        small.take(0);
        assertThat(room).hasValue(1);
        small.take(0);
        assertThat(room).as("told once per refusal").hasValue(1);
    }

    @Test
    void aFinishedQueueGivesWhatItHoldsThenTheEndingEveryTime() throws InterruptedException {
        queue.offer(message(1), 0);
        queue.finish(() -> new io.pipc.PeerClosedException("gone"), () -> new io.pipc.PeerClosedException("gone"));

        assertThat(queue.take(0)).isNotNull();
        for (int i = 0; i < 2; i++) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> queue.take(0)).isInstanceOf(io.pipc.PeerClosedException.class);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> queue.offer(message(1), 0))
                .as("producers hear of the end too").isInstanceOf(io.pipc.PeerClosedException.class);
    }

    @Test
    void closingWakesAWaitingReaderAtOnce() throws Exception {
        java.util.concurrent.CompletableFuture<Envelope> reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return queue.take(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> queue.readersWaiting() == 1);

        queue.close(() -> new PipeClosedException("closed"), () -> new PipeClosedException("closed"));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reader.get(5, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(PipeClosedException.class);
        assertThat(queue.readersWaiting()).isZero();
    }

    @Test
    void anEventIsThrownOnceInItsPlaceAndReadingGoesOn() throws InterruptedException {
        queue.offer(message(1), 0);
        queue.addEvent(() -> new io.pipc.PeerDisconnectedException("bye", "bye"));
        queue.offer(message(2), 0);

        assertThat(queue.take(0).payload()).hasSize(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> queue.take(0)).isInstanceOf(io.pipc.PeerDisconnectedException.class);
        assertThat(queue.take(0).payload()).hasSize(2);
    }

    @Test
    void aBarePayloadIsReadAsThatVeryArrayOrAsAnEnvelopeWithoutHeaders() throws InterruptedException {
        byte[] bare = {1, 2, 3};
        Envelope withHeaders = new Envelope(new byte[] {4}, "id-1", "text/plain");
        queue.offerPayload(bare, 0);
        queue.offer(withHeaders, 0);
        queue.offerPayload(bare, 0);

        assertThat(queue.takePayload(0)).isSameAs(bare);
        assertThat(queue.takePayload(0)).isSameAs(withHeaders.payload());
        Envelope wrapped = queue.take(0);
        assertThat(wrapped.payload()).isSameAs(bare);
        assertThat(wrapped.hasHeaders()).isFalse();
    }

    @Test
    void drainingTakesBareAndWrappedMessagesAlikeUpToTheFirstEvent() throws InterruptedException {
        queue.accountBytesTo(account::addAndGet);
        byte[] bare = {1, 2, 3};
        Envelope withHeaders = new Envelope(new byte[] {4}, "id-1", null);
        queue.offerPayload(bare, 0);
        queue.offer(withHeaders, 0);
        queue.addEvent(() -> new io.pipc.PeerDisconnectedException("bye", "bye"));
        queue.offerPayload(new byte[5], 0);
        assertThat(account).hasValue(9);

        assertThat(queue.drainPayloads()).containsExactly(bare, withHeaders.payload());
        assertThat(account).hasValue(5);
        assertThat(queue.drain()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> queue.take(0)).isInstanceOf(io.pipc.PeerDisconnectedException.class);
        List<Envelope> rest = queue.drain();
        assertThat(rest).hasSize(1);
        assertThat(rest.get(0).payload()).hasSize(5);
        assertThat(account).hasValue(0);
    }

    @Test
    void aBarePayloadCountsAgainstTheByteCapacity() throws InterruptedException {
        InboundQueue small = new InboundQueue(10, 8);
        assertThat(small.offerPayload(new byte[6], 0)).isTrue();

        assertThat(small.offerPayload(new byte[3], 0)).isFalse();
        assertThat(small.size()).isEqualTo(1);
    }
}
