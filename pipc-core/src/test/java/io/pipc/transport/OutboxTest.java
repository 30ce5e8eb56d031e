package io.pipc.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.wire.WireFormat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The coalescing write path on its own, over channels the test controls: no socket, no loop. */
@Timeout(20)
class OutboxTest {

    private static final int FRAME_HEADER = 5;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Outbox outbox(long capacity) {
        return new Outbox(WireFormat.of(PipeOptions.defaults(), "test").encoder(), capacity, "test");
    }

    private static Envelope message(String text) {
        return Envelope.of(text.getBytes());
    }

    private static Deadline soon() {
        return Deadline.after(Duration.ofSeconds(10));
    }

    @Test
    void framesQueuedMeanwhileLeaveInOrderInOneWrite() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        for (String text : List.of("one", "two", "three")) {
            assertThat(outbox.enqueue(message(text), soon())).as("small frames are copied: no ticket").isNull();
        }

        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.DONE);

        assertThat(channel.writes).as("system calls").isEqualTo(1);
        assertThat(payloads(channel.bytes())).containsExactly("one", "two", "three");
        assertThat(channel.gatheringWrites).as("frames in one chunk: a plain write, which costs less than writev").isZero();
    }

    @Test
    void framesInMoreThanOneBufferLeaveInOneGatheringWrite() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        byte[] large = new byte[256 * 1024];
        large[large.length - 1] = 7;
        outbox.enqueue(message("small"), soon());
        Outbox.Ticket ticket = outbox.enqueue(Envelope.of(large), soon());

        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.DONE);

        assertThat(channel.gatheringWrites).as("system calls").isEqualTo(channel.writes).isEqualTo(1);
        assertThat(lastFrameBody(channel.bytes())).isEqualTo(large.length);
        assertThat(channel.bytes()[channel.bytes().length - 1]).isEqualTo((byte) 7);
        assertThat(ticket).isNotNull();
    }

    @Test
    void aSecondFlusherIsToldBusyAndItsFrameLeavesWithTheFirstFlushersNextBatch() throws Exception {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        FirstWriteHeld held = new FirstWriteHeld(channel);
        outbox.enqueue(message("first"), soon());
        Future<Outbox.FlushResult> first = threads.submit(() -> outbox.flushTo(channel, false));
        held.awaitInWrite();

        outbox.enqueue(message("second"), soon());
        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.BUSY);
        held.letGo();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Outbox.FlushResult.DONE);
        assertThat(payloads(channel.bytes())).containsExactly("first", "second");
        assertThat(channel.writes).as("one batch each").isEqualTo(2);
    }

    @Test
    void aChannelThatTakesNothingStallsTheFlushAndLaterFlushersWaitForWritable() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        channel.room = 0;
        outbox.enqueue(message("held"), soon());

        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.STALLED);
        outbox.enqueue(message("behind"), soon());
        assertThat(outbox.flushTo(channel, false)).as("only the writable signal resumes").isEqualTo(Outbox.FlushResult.WAITING);

        channel.room = Integer.MAX_VALUE;
        assertThat(outbox.flushTo(channel, true)).isEqualTo(Outbox.FlushResult.DONE);
        assertThat(payloads(channel.bytes())).containsExactly("held", "behind");
    }

    @Test
    void aWriterFindingNoRoomWaitsCountedUntilBytesLeave() throws Exception {
        Outbox outbox = outbox(100);
        Channel channel = new Channel();
        channel.room = 0;
        outbox.enqueue(Envelope.of(new byte[90]), soon());
        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.STALLED);

        Future<?> writer = threads.submit(() -> outbox.enqueue(Envelope.of(new byte[90]), soon()));
        await().atMost(Duration.ofSeconds(10)).until(() -> outbox.writersWaiting() == 1);
        assertThat(writer).isNotDone();

        channel.room = Integer.MAX_VALUE;
        outbox.flushTo(channel, true);
        writer.get(10, TimeUnit.SECONDS);
        assertThat(outbox.writersWaiting()).isZero();
    }

    @Test
    void aWriterFindingNoRoomUntilItsDeadlineFailsHavingQueuedNothing() throws IOException {
        Outbox outbox = outbox(100);
        Channel channel = new Channel();
        outbox.enqueue(Envelope.of(new byte[90]), soon());

        assertThatThrownBy(() -> outbox.enqueue(message("late"), Deadline.after(Duration.ofMillis(50))))
                .isInstanceOf(PipeTimeoutException.class).hasMessageContaining("nothing was written");

        outbox.flushTo(channel, false);
        assertThat(channel.bytes()).hasSize(FRAME_HEADER + 90);
    }

    @Test
    void aLargePayloadLeavesFromItsOwnArrayAndItsWriterLearnsWhenItHasGone() throws Exception {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        byte[] large = new byte[ChunkPool.CHUNK_SIZE + 1];
        large[large.length - 1] = 42;

        Outbox.Ticket ticket = outbox.enqueue(Envelope.of(large), soon());
        assertThat(ticket).as("a large payload is not copied").isNotNull();
        assertThat(outbox.isWritten(ticket)).isFalse();
        outbox.flushTo(channel, false);

        assertThat(channel.arraysSeen).as("the caller's own array went to the channel").anyMatch(array -> array == large);
        assertThat(outbox.isWritten(ticket)).isTrue();
        outbox.awaitWritten(ticket, soon(), () -> { throw new AssertionError("not broken"); });
    }

    @Test
    void aRefusedOutboxSendsWhatWasQueuedThenItsLastFrameAndRefusesLaterWrites() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        outbox.enqueue(message("before"), soon());

        outbox.refuse(() -> new PipeClosedException("closed"), (encoder, out) -> encoder.encodeGoodbye(out));

        assertThatThrownBy(() -> outbox.enqueue(message("after"), soon())).isInstanceOf(PipeClosedException.class);
        assertThat(outbox.isFinished()).as("the goodbye is still to go").isFalse();
        outbox.flushTo(channel, false);
        assertThat(outbox.isFinished()).isTrue();
        byte[] bytes = channel.bytes();
        assertThat(payloads(bytes)).startsWith("before");
        assertThat(bytes[bytes.length - 1 - lastFrameBody(bytes)]).as("the last frame is a goodbye, not data").isNotEqualTo((byte) 1);
    }

    @Test
    void anAbortWakesAWaitingWriterWithTheFailure() throws Exception {
        Outbox outbox = outbox(100);
        outbox.enqueue(Envelope.of(new byte[90]), soon());
        Future<?> writer = threads.submit(() -> outbox.enqueue(Envelope.of(new byte[90]), soon()));
        await().atMost(Duration.ofSeconds(10)).until(() -> outbox.writersWaiting() == 1);

        outbox.abort(() -> new PipeException("the peer is gone"));

        assertThatThrownBy(() -> writer.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeException.class)
                .hasMessageContaining("the peer is gone");
    }

    @Test
    void theWriterThreadSleepsUntilWorkAndEndsOnceRefusedAndEmptied() throws Exception {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        CompletableFuture<Boolean> firstWait = CompletableFuture.supplyAsync(() -> awaitWork(outbox), threads);
        outbox.enqueue(message("work"), soon());
        assertThat(firstWait.get(10, TimeUnit.SECONDS)).isTrue();
        outbox.flushTo(channel, true);

        CompletableFuture<Boolean> secondWait = CompletableFuture.supplyAsync(() -> awaitWork(outbox), threads);
        outbox.refuse(() -> new PipeClosedException("closed"), null);

        assertThat(secondWait.get(10, TimeUnit.SECONDS)).as("nothing will ever be written again").isFalse();
    }

    @Test
    void aBatchBegunOverAChannelThatDoesNotWaitIsFinishedByTheWriterThreadInOrder() throws Exception {
        Outbox outbox = outbox(1 << 20);
        Channel direct = new Channel();
        direct.room = 3;
        // Three bytes fit, then the channel is full.
        direct.beforeWrite = () -> {
            if (direct.writes > 0) {
                direct.room = 0;
            }
        };
        Channel blocking = new Channel();
        outbox.enqueue(message("first"), soon(), false);
        assertThat(outbox.flushTo(direct, false)).isEqualTo(Outbox.FlushResult.STALLED);
        outbox.enqueue(message("second"), soon(), false);
        assertThat(outbox.flushTo(direct, false)).as("the stalled batch is not taken from where it is").isEqualTo(Outbox.FlushResult.WAITING);

        // The writer thread, asleep with nothing queued for it, has work: the stalled batch.
        assertThat(awaitWork(outbox)).isTrue();
        assertThat(outbox.flushTo(blocking, true)).isEqualTo(Outbox.FlushResult.DONE);

        byte[] sent = new byte[direct.bytes().length + blocking.bytes().length];
        System.arraycopy(direct.bytes(), 0, sent, 0, direct.bytes().length);
        System.arraycopy(blocking.bytes(), 0, sent, direct.bytes().length, blocking.bytes().length);
        assertThat(direct.bytes()).hasSize(3);
        assertThat(payloads(sent)).containsExactly("first", "second");
    }

    @Test
    void aStalledFlushWakesTheWriterThreadWhereItSleeps() throws Exception {
        Outbox outbox = outbox(1 << 20);
        Channel direct = new Channel();
        direct.room = 0;
        CompletableFuture<Boolean> asleep = CompletableFuture.supplyAsync(() -> awaitWork(outbox), threads);
        await().atMost(Duration.ofSeconds(10)).until(() -> outbox.writerSleeping());
        // Queued without waking the writer thread: only the stall may wake it.
        outbox.enqueue(message("held"), soon(), false);

        assertThat(outbox.flushTo(direct, false)).isEqualTo(Outbox.FlushResult.STALLED);

        assertThat(asleep.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aMessageWrittenNowIntoAnEmptyOutboxLeavesInOneWriteAndCountsAsFlushed() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();

        assertThat(outbox.writeNow(message("now"), channel)).isEqualTo(Outbox.FlushResult.DONE);

        assertThat(channel.writes).as("system calls").isEqualTo(1);
        assertThat(channel.gatheringWrites).isZero();
        assertThat(payloads(channel.bytes())).containsExactly("now");
        // Nothing is left waiting: a flush has nothing to do, and a flush's wait returns at once.
        outbox.awaitFlushed(Deadline.after(Duration.ZERO));
        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.DONE);
        assertThat(channel.writes).isEqualTo(1);
    }

    @Test
    void aMessageIsNotWrittenNowPastFramesQueuedBeforeIt() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        outbox.enqueue(message("queued"), soon());

        assertThat(outbox.writeNow(message("later"), channel)).as("left to the queue, behind the frame before it").isNull();

        assertThat(channel.writes).isZero();
        outbox.enqueue(message("later"), soon());
        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.DONE);
        assertThat(payloads(channel.bytes())).containsExactly("queued", "later");
    }

    @Test
    void aMessageTooLargeForAChunkIsNotWrittenNow() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        Envelope large = Envelope.of(new byte[256 * 1024]);

        assertThat(outbox.copies(large)).isFalse();
        assertThat(outbox.writeNow(large, channel)).isNull();
        assertThat(channel.writes).isZero();
        assertThat(outbox.copies(message("small"))).isTrue();
    }

    @Test
    void whatTheChannelDoesNotTakeNowLeavesWhenItIsWritableFollowedByWhatWasQueuedMeanwhile() throws IOException {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        channel.room = 3;
        channel.beforeWrite = () -> {
            if (channel.writes > 0) {
                channel.room = 0;
            }
        };

        assertThat(outbox.writeNow(message("first"), channel)).isEqualTo(Outbox.FlushResult.STALLED);
        assertThat(outbox.writeNow(message("second"), channel)).as("behind the stalled rest").isNull();
        outbox.enqueue(message("second"), soon());
        assertThat(outbox.flushTo(channel, false)).isEqualTo(Outbox.FlushResult.WAITING);

        channel.room = Integer.MAX_VALUE;
        channel.beforeWrite = () -> { };
        assertThat(outbox.flushTo(channel, true)).isEqualTo(Outbox.FlushResult.DONE);
        assertThat(payloads(channel.bytes())).containsExactly("first", "second");
        outbox.awaitFlushed(Deadline.after(Duration.ZERO));
    }

    @Test
    void framesQueuedWhileAMessageIsWrittenNowFollowItInTheSameFlush() throws Exception {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        FirstWriteHeld held = new FirstWriteHeld(channel);
        Future<Outbox.FlushResult> now = threads.submit(() -> outbox.writeNow(message("now"), channel));
        held.awaitInWrite();

        outbox.enqueue(message("meanwhile"), soon());
        assertThat(outbox.flushTo(channel, false)).as("the writer at work writes it").isEqualTo(Outbox.FlushResult.BUSY);
        held.letGo();

        assertThat(now.get(10, TimeUnit.SECONDS)).isEqualTo(Outbox.FlushResult.DONE);
        assertThat(payloads(channel.bytes())).containsExactly("now", "meanwhile");
    }

    @Test
    void aRefusedOutboxWritesNothingNow() {
        Outbox outbox = outbox(1 << 20);
        Channel channel = new Channel();
        outbox.refuse(() -> new PipeClosedException("closed for the test"), null);

        assertThatThrownBy(() -> outbox.writeNow(message("late"), channel)).isInstanceOf(PipeClosedException.class)
                .hasMessageContaining("closed for the test");
        assertThat(channel.writes).isZero();
        assertThat(outbox.isFinished()).isTrue();
    }

    private static boolean awaitWork(Outbox outbox) {
        try {
            return outbox.awaitWork();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never let go");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payloads of the DATA frames in {@code bytes}, native wire. */
    private static List<String> payloads(byte[] bytes) {
        List<String> payloads = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.remaining() >= FRAME_HEADER) {
            int length = buffer.getInt();
            byte type = buffer.get();
            byte[] body = new byte[length];
            buffer.get(body);
            if (type == 1) {
                payloads.add(new String(body));
            }
        }
        return payloads;
    }

    /** @return the body length of the last frame in {@code bytes} */
    private static int lastFrameBody(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int last = 0;
        while (buffer.remaining() >= FRAME_HEADER) {
            last = buffer.getInt();
            buffer.get();
            buffer.position(buffer.position() + last);
        }
        return last;
    }

    /** Holds a channel's first write until {@link #letGo()}; later writes go through at once. */
    private static final class FirstWriteHeld {
        private final CountDownLatch inWrite = new CountDownLatch(1);
        private final CountDownLatch letGo = new CountDownLatch(1);

        FirstWriteHeld(Channel channel) {
            channel.beforeWrite = () -> {
                inWrite.countDown();
                awaitLatch(letGo);
                channel.beforeWrite = () -> { };
            };
        }

        void awaitInWrite() throws InterruptedException {
            assertThat(inWrite.await(10, TimeUnit.SECONDS)).as("the first write began").isTrue();
        }

        void letGo() {
            letGo.countDown();
        }
    }

    /** A channel that records what it is given, and takes at most {@link #room} bytes a call. */
    private static final class Channel implements GatheringByteChannel {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<byte[]> arraysSeen = new ArrayList<>();
        volatile int room = Integer.MAX_VALUE;
        volatile int writes;
        volatile int gatheringWrites;
        volatile Runnable beforeWrite = () -> { };

        synchronized byte[] bytes() {
            return received.toByteArray();
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            gatheringWrites++;
            return take(sources, offset, length);
        }

        private long take(ByteBuffer[] sources, int offset, int length) {
            beforeWrite.run();
            synchronized (this) {
                writes++;
                long taken = 0;
                for (int i = offset; i < offset + length && taken < room; i++) {
                    ByteBuffer source = sources[i];
                    if (source.hasArray()) {
                        arraysSeen.add(source.array());
                    }
                    int n = (int) Math.min(source.remaining(), room - taken);
                    for (int k = 0; k < n; k++) {
                        received.write(source.get());
                    }
                    taken += n;
                }
                return taken;
            }
        }

        @Override
        public long write(ByteBuffer[] sources) {
            return write(sources, 0, sources.length);
        }

        @Override
        public int write(ByteBuffer source) {
            return (int) take(new ByteBuffer[] {source}, 0, 1);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
