package io.pipc.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.wire.FrameEncoder;

import org.jspecify.annotations.Nullable;

/**
 * The frames a stream pipe has been asked to write and has not yet handed to the operating
 * system: the coalescing write path of SPEC section 6, in the shape of JeroMQ's engines.
 *
 * <p>Writers {@linkplain #enqueue enqueue} messages. A frame that fits in a chunk is copied at
 * once into a pooled direct buffer, after the frames before it, so that the caller may reuse
 * its array and many small frames leave in one system call. A larger payload is not copied: it
 * goes out from its own array in a gathering write, and its writer waits until it has gone.
 * The bytes waiting are bounded: a writer that finds no room waits for it, up to its deadline,
 * and then fails having written nothing. That is how a slow reader slows the writer.
 *
 * <p>One flusher at a time drains the outbox with {@link #flushTo}: every frame queued, in
 * order, in gathering writes, until none is left. The flusher is
 * <ul>
 * <li>a writing thread itself, whenever no one else is flushing: over a non-blocking socket
 *     always, over a blocking channel for a large payload (which then leaves from its array with
 *     no thread hop); or</li>
 * <li>a dedicated writer thread over a blocking channel, sleeping in {@link #awaitWork}: writers
 *     wake it only when it sleeps, so a busy writer thread takes whole batches with no wake-up
 *     per message; it also finishes a batch that a writing thread began over a second channel to
 *     the same place whose writes never wait (a FIFO's), and which stalled; or</li>
 * <li>an event loop, when a non-blocking socket that had no room becomes writable again.</li>
 * </ul>
 */
public final class Outbox {

    /** The outcome of {@link #flushTo}. */
    public enum FlushResult {
        /** Everything queued was written. */
        DONE,
        /** The channel took less than offered: this caller must ask to be told when it is writable. */
        STALLED,
        /** Another flusher is at work and will write what was queued. */
        BUSY,
        /** An earlier flush stalled and is already waiting for the channel to become writable. */
        WAITING
    }

    private enum State { IDLE, FLUSHING, STALLED }

    /** Most buffers in one gathering write; well under every platform's IOV_MAX. */
    private static final int MAX_GATHER = 128;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when bytes were written or the outbox failed: waiting writers and flushes look again. */
    private final Condition progress = lock.newCondition();
    /** Signalled when a sleeping writer thread has work. */
    private final Condition work = lock.newCondition();
    private final FrameEncoder encoder;
    private final long capacity;
    private final String pipeName;

    private final ArrayDeque<Segment> queue = new ArrayDeque<>();
    private @Nullable Chunk tail;
    private @Nullable Batch inFlight;
    private long queuedBytes;
    private long enqueuedTotal;
    private long writtenTotal;
    private State state = State.IDLE;
    private boolean writerSleeping;
    /** Threads waiting for {@link #progress} now; under the lock. */
    private int progressAwaited;
    /** Writers waiting for room now; written under the lock, read without it. */
    private volatile int writersWaiting;
    /** Written under the lock; read without it only where null must mean "not yet" (it is never taken back). */
    private volatile @Nullable Supplier<? extends PipeException> refusal;
    private @Nullable Supplier<? extends PipeException> abort;
    private volatile long lastEnqueueNanos = System.nanoTime();

    /**
     * @param encoder writes frame headers for the pipe's wire
     * @param capacity how many bytes may wait; a single larger frame is admitted into an empty outbox
     * @param pipeName the pipe's name, for errors
     */
    public Outbox(FrameEncoder encoder, long capacity, String pipeName) {
        this.encoder = encoder;
        this.capacity = capacity;
        this.pipeName = pipeName;
    }

    /**
     * Queues one data frame, waiting for room until {@code deadline}.
     *
     * @param message the message
     * @param deadline when to give up waiting for room
     * @return null when the frame was copied (the caller may go), or a ticket to
     *         {@linkplain #awaitWritten await} when its payload goes from the caller's array
     * @throws PipeTimeoutException when there was no room in time; nothing was queued
     * @throws PipeException the refusal, once the outbox no longer takes messages
     */
    public @Nullable Ticket enqueue(Envelope message, Deadline deadline) {
        return enqueue(message, deadline, true);
    }

    /**
     * Queues one data frame, as {@link #enqueue(Envelope, Deadline)} does.
     *
     * @param message the message
     * @param deadline when to give up waiting for room
     * @param wakeWriter false when the caller flushes the frame itself next, so that a sleeping
     *        writer thread is not woken for it
     * @return null when the frame was copied (the caller may go), or a ticket to
     *         {@linkplain #awaitWritten await} when its payload goes from the caller's array
     * @throws PipeTimeoutException when there was no room in time; nothing was queued
     * @throws PipeException the refusal, once the outbox no longer takes messages
     */
    public @Nullable Ticket enqueue(Envelope message, Deadline deadline, boolean wakeWriter) {
        int headerLength = encoder.dataHeaderLength(message);
        long size = (long) headerLength + message.payload().length;
        lock.lock();
        try {
            while (true) {
                throwIfRefused();
                if (queuedBytes == 0 || queuedBytes + size <= capacity) {
                    break;
                }
                long remaining = deadline.remainingNanos();
                if (remaining <= 0) {
                    throw new PipeTimeoutException("pipe '" + pipeName + "': the peer read nothing for the whole write timeout and "
                            + queuedBytes + " bytes are still waiting to be sent; nothing was written");
                }
                writersWaiting++;
                try {
                    awaitProgress(remaining);
                } finally {
                    writersWaiting--;
                }
            }
            Ticket ticket = null;
            if (fitsInAChunk(size)) {
                ByteBuffer chunk = tailWithRoom((int) size);
                encoder.encodeDataHeader(message, chunk);
                chunk.put(message.payload());
            } else {
                ByteBuffer header = ByteBuffer.allocate(headerLength);
                encoder.encodeDataHeader(message, header);
                header.flip();
                Large large = new Large(header, ByteBuffer.wrap(message.payload()), size);
                tail = null;
                queue.addLast(large);
                ticket = new Ticket(large);
            }
            queuedBytes += size;
            enqueuedTotal += size;
            if (wakeWriter) {
                wakeWriter();
            }
            lastEnqueueNanos = System.nanoTime();
            return ticket;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a large payload has been written.
     *
     * @param ticket from {@link #enqueue}
     * @param deadline when to give up
     * @param onBrokenMidFrame called when the deadline passes after the payload began to be
     *        written: the stream cannot be resynchronised and the pipe must close
     * @throws PipeTimeoutException when the deadline passed; nothing was written if the payload had not begun
     */
    public void awaitWritten(Ticket ticket, Deadline deadline, Runnable onBrokenMidFrame) {
        Large large = ticket.large;
        boolean broken = false;
        lock.lock();
        try {
            while (!large.done) {
                if (abort != null) {
                    throw abort.get();
                }
                long remaining = deadline.remainingNanos();
                if (remaining <= 0) {
                    if (!large.taken) {
                        queue.remove(large);
                        queuedBytes -= large.size;
                        enqueuedTotal -= large.size;
                        progress.signalAll();
                        throw new PipeTimeoutException("pipe '" + pipeName + "': the peer read nothing for the whole write timeout;"
                                + " the " + large.payload.capacity() + "-byte message was not written");
                    }
                    broken = true;
                    break;
                }
                awaitProgress(remaining);
            }
        } finally {
            lock.unlock();
        }
        if (broken) {
            onBrokenMidFrame.run();
            throw new PipeTimeoutException("pipe '" + pipeName + "': the peer stopped reading in the middle of a "
                    + large.payload.capacity() + "-byte message for the whole write timeout; the pipe is closed");
        }
    }

    /**
     * Queues a control frame (heartbeat, stop) after everything queued so far, whatever the
     * room: control frames are tiny and must not wait behind a slow reader. Once the outbox is
     * refused nothing more is queued: the last frame (goodbye, disconnect) is queued by
     * {@link #refuse} itself, and nothing may follow it.
     *
     * @param control writes the frame with the encoder; returns false when the wire has no such frame
     * @return whether a frame was queued
     */
    public boolean enqueueControl(ControlFrame control) {
        if (encoder.maxControlFrameLength() == 0) {
            return false;
        }
        lock.lock();
        try {
            if (abort != null || refusal != null) {
                return false;
            }
            ByteBuffer chunk = tailWithRoom(encoder.maxControlFrameLength());
            int before = chunk.position();
            if (!control.encode(encoder, chunk)) {
                return false;
            }
            int size = chunk.position() - before;
            queuedBytes += size;
            enqueuedTotal += size;
            wakeWriter();
            lastEnqueueNanos = System.nanoTime();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues bytes as they are (a handshake's output), whatever the room.
     *
     * @param bytes the bytes, in read mode; consumed
     */
    public void enqueueRaw(ByteBuffer bytes) {
        lock.lock();
        try {
            if (abort != null) {
                return;
            }
            while (bytes.hasRemaining()) {
                ByteBuffer chunk = tailWithRoom(1);
                int n = Math.min(chunk.remaining(), bytes.remaining());
                ByteBuffer slice = bytes.slice();
                slice.limit(n);
                chunk.put(slice);
                bytes.position(bytes.position() + n);
                queuedBytes += n;
                enqueuedTotal += n;
            }
            wakeWriter();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until everything queued before this call has been handed to the operating system.
     *
     * @param deadline when to give up
     * @throws PipeTimeoutException when the peer did not read enough in time
     */
    public void awaitFlushed(Deadline deadline) {
        lock.lock();
        try {
            long target = enqueuedTotal;
            while (writtenTotal < target) {
                if (abort != null) {
                    throw abort.get();
                }
                long remaining = deadline.remainingNanos();
                if (remaining <= 0) {
                    throw new PipeTimeoutException("pipe '" + pipeName + "': could not flush " + (target - writtenTotal)
                            + " bytes within the write timeout: the peer is not reading");
                }
                awaitProgress(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking messages (writers get {@code refusal}), queues a last control frame, and
     * lets the flusher write what is queued.
     *
     * @param refusal makes the exception writers get from now on
     * @param last the final frame (goodbye or disconnect), or null
     */
    public void refuse(Supplier<? extends PipeException> refusal, @Nullable ControlFrame last) {
        lock.lock();
        try {
            if (this.refusal != null) {
                return;
            }
            if (last != null) {
                enqueueControl(last);
            }
            this.refusal = refusal;
            progress.signalAll();
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails everything: queued frames are dropped, every waiting thread is woken with
     * {@code failure}, and the writer thread's {@link #awaitWork} returns false.
     *
     * @param failure makes the exception waiting threads get
     */
    public void abort(Supplier<? extends PipeException> failure) {
        lock.lock();
        try {
            if (abort != null) {
                return;
            }
            abort = failure;
            if (refusal == null) {
                refusal = failure;
            }
            queue.clear();
            tail = null;
            queuedBytes = 0;
            progress.signalAll();
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return whether the outbox was refused or aborted
     */
    public boolean isRefused() {
        lock.lock();
        try {
            return refusal != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return how many writers wait for room now, because the bytes waiting reached the capacity:
     *         how a slow reader shows in the writer, for monitoring and tests
     */
    public int writersWaiting() {
        return writersWaiting;
    }

    /**
     * @return nanoTime of the last frame enqueued, for heartbeats
     */
    public long lastEnqueueNanos() {
        return lastEnqueueNanos;
    }

    /**
     * For a writer thread: waits until there is something to write and no one else is writing
     * it; then the writer thread calls {@link #flushTo}.
     *
     * @return true when there is work, false when nothing will ever be written again (the
     *         outbox was aborted, or refused and emptied): the writer thread ends
     * @throws InterruptedException when the writer thread is interrupted
     */
    public boolean awaitWork() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (abort != null) {
                    return false;
                }
                if (state == State.STALLED) {
                    // A flush over a channel that does not wait took part of a batch: the rest is this thread's.
                    return true;
                }
                if (state == State.IDLE) {
                    if (!queue.isEmpty() || inFlight != null) {
                        return true;
                    }
                    if (refusal != null) {
                        return false;
                    }
                }
                writerSleeping = true;
                try {
                    work.await();
                } finally {
                    writerSleeping = false;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return whether the writer thread sleeps in {@link #awaitWork} now; for tests
     */
    boolean writerSleeping() {
        lock.lock();
        try {
            return writerSleeping;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return whether nothing will ever be written again: aborted, or refused with nothing queued
     */
    public boolean isFinished() {
        if (refusal == null) {
            // Asked after every flush: an outbox still taking messages answers without the lock.
            return false;
        }
        lock.lock();
        try {
            return abort != null || (refusal != null && queue.isEmpty() && inFlight == null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param ticket from {@link #enqueue}
     * @return whether that large payload has been written in full
     */
    public boolean isWritten(Ticket ticket) {
        lock.lock();
        try {
            return ticket.large.done;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes queued frames to the channel until the outbox is empty or the channel takes no
     * more. Only one flusher runs at a time; a second caller returns {@link FlushResult#BUSY} at
     * once, its frames being written by the first. Over a blocking channel this returns only
     * when everything is written, or the channel fails. A flush that stalls wakes the writer
     * thread if one sleeps: the channel that did not wait was a second way to where the writer
     * thread's blocking channel goes, and the writer finishes the batch.
     *
     * @param channel the channel, blocking or not
     * @param writable true when called because the channel became writable again
     * @return what happened
     * @throws IOException when the channel fails; the caller closes the pipe
     */
    public FlushResult flushTo(GatheringByteChannel channel, boolean writable) throws IOException {
        Batch batch;
        lock.lock();
        try {
            if (state == State.FLUSHING) {
                return FlushResult.BUSY;
            }
            if (state == State.STALLED && !writable) {
                return FlushResult.WAITING;
            }
            if (abort != null) {
                return FlushResult.DONE;
            }
            if (inFlight == null && queue.isEmpty()) {
                state = State.IDLE;
                return FlushResult.DONE;
            }
            state = State.FLUSHING;
            batch = inFlight != null ? inFlight : takeBatch();
        } finally {
            lock.unlock();
        }
        return drain(batch, channel);
    }

    /**
     * @param message a message
     * @return whether {@link #enqueue} copies it (then its writer may go at once), rather than
     *         writing its payload from the writer's array
     */
    public boolean copies(Envelope message) {
        return fitsInAChunk(frameSize(message.payload(), message));
    }

    /**
     * @param payload a message's payload
     * @param message its envelope, or null for a payload written without one
     * @return whether {@link #enqueue} copies it, as {@link #copies(Envelope)}
     */
    public boolean copies(byte[] payload, @Nullable Envelope message) {
        return fitsInAChunk(frameSize(payload, message));
    }

    /** @param message the payload's envelope, or null for a payload without headers */
    private long frameSize(byte[] payload, @Nullable Envelope message) {
        return (message == null ? encoder.plainDataHeaderLength() : encoder.dataHeaderLength(message)) + (long) payload.length;
    }

    /** Whether a frame of {@code size} bytes is copied into a chunk; a larger one goes from its payload's own array. */
    private static boolean fitsInAChunk(long size) {
        return size <= ChunkPool.CHUNK_SIZE;
    }

    /**
     * Writes one data frame that fits in a chunk straight to {@code channel}, when nothing is
     * queued and no one flushes: the frame is encoded into a pooled chunk and written at once,
     * with no queue and no batch around it, which is what a request or a reply costs when its
     * writer takes the socket itself. What the channel does not take stays the batch in flight,
     * exactly as after {@link #flushTo}; frames others queue meanwhile are written after it.
     *
     * @param message the message
     * @param channel the channel, blocking or not
     * @return {@link FlushResult#DONE} or {@link FlushResult#STALLED}, as from {@code flushTo};
     *         or null when the outbox is not empty and idle, or the frame does not fit in a chunk:
     *         then nothing was written or queued, and the caller {@linkplain #enqueue enqueues} it
     * @throws PipeException the refusal, once the outbox no longer takes messages
     * @throws IOException when the channel fails; the caller closes the pipe
     */
    public @Nullable FlushResult writeNow(Envelope message, GatheringByteChannel channel) throws IOException {
        return writeNow(message.payload(), message, channel);
    }

    /**
     * Writes one message as {@link #writeNow(Envelope, GatheringByteChannel)} does; a payload
     * without an envelope is written as a message without headers, with none made around it.
     *
     * @param payload the message's payload
     * @param message its envelope, or null for a payload written without one
     * @param channel the channel, blocking or not
     * @return as {@link #writeNow(Envelope, GatheringByteChannel)}
     * @throws PipeException the refusal, once the outbox no longer takes messages
     * @throws IOException when the channel fails; the caller closes the pipe
     */
    public @Nullable FlushResult writeNow(byte[] payload, @Nullable Envelope message, GatheringByteChannel channel)
            throws IOException {
        long size = frameSize(payload, message);
        if (!fitsInAChunk(size)) {
            return null;
        }
        lock.lock();
        try {
            throwIfRefused();
            if (state != State.IDLE || inFlight != null || !queue.isEmpty()) {
                return null;
            }
            state = State.FLUSHING;
            queuedBytes += size;
            enqueuedTotal += size;
            lastEnqueueNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
        // Encoded outside the lock: this thread is the one flusher now, and others only append to the queue.
        ByteBuffer buffer = ChunkPool.acquire();
        if (message == null) {
            encoder.encodePlainDataHeader(payload.length, buffer);
        } else {
            encoder.encodeDataHeader(message, buffer);
        }
        buffer.put(payload);
        buffer.flip();
        // One write, with no batch around it: what a reply costs when the socket takes it whole.
        try {
            while (buffer.hasRemaining() && channel.write(buffer) > 0) {
                // A channel may take less than it has room for (a TLS record at a time): offer the rest at once.
            }
        } catch (IOException | RuntimeException e) {
            failed();
            throw e;
        }
        @Nullable Batch next;
        lock.lock();
        try {
            if (buffer.hasRemaining()) {
                return stalled(new Batch(List.of(new Chunk(buffer)), new ByteBuffer[] {buffer}, size));
            }
            ChunkPool.release(buffer);
            written(size);
            next = nextBatch();
        } finally {
            lock.unlock();
        }
        return next == null ? FlushResult.DONE : drain(next, channel);
    }

    /** The flusher's loop: writes {@code batch}, then what was queued meanwhile, until none is left or the channel is full. */
    private FlushResult drain(Batch batch, GatheringByteChannel channel) throws IOException {
        while (true) {
            boolean complete;
            try {
                complete = batch.writeTo(channel);
            } catch (IOException | RuntimeException e) {
                failed();
                throw e;
            }
            lock.lock();
            try {
                if (!complete) {
                    return stalled(batch);
                }
                inFlight = null;
                finish(batch);
                Batch following = nextBatch();
                if (following == null) {
                    return FlushResult.DONE;
                }
                batch = following;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under the lock, after a batch was written: what was queued meanwhile, or null when the outbox is idle again. */
    private @Nullable Batch nextBatch() {
        if (queue.isEmpty() || abort != null) {
            state = State.IDLE;
            return null;
        }
        return takeBatch();
    }

    /** The channel failed under the flusher: the outbox is idle again, and a waiting writer thread looks. */
    private void failed() {
        lock.lock();
        try {
            state = State.IDLE;
            inFlight = null;
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the channel took part of {@code batch}; the rest waits until it is writable. */
    private FlushResult stalled(Batch batch) {
        inFlight = batch;
        state = State.STALLED;
        // A writer thread, if this outbox has one, finishes the batch over its blocking channel.
        wakeWriter();
        return FlushResult.STALLED;
    }

    private void finish(Batch batch) {
        for (Segment segment : batch.segments) {
            if (segment instanceof Chunk chunk) {
                ChunkPool.release(chunk.buffer);
            } else if (segment instanceof Large large) {
                large.done = true;
            }
        }
        written(batch.bytes);
    }

    /** Under the lock: {@code bytes} were handed to the operating system. */
    private void written(long bytes) {
        if (abort == null) {
            queuedBytes -= bytes;
        }
        writtenTotal += bytes;
        // Each write signals: a write that nobody waits for touches no condition.
        if (progressAwaited > 0) {
            progress.signalAll();
        }
    }

    /** Under the lock: moves queued segments into one gathering write. */
    private Batch takeBatch() {
        tail = null;
        List<Segment> segments = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        long bytes = 0;
        while (!queue.isEmpty() && buffers.size() + 2 <= MAX_GATHER) {
            Segment segment = queue.pollFirst();
            segments.add(segment);
            if (segment instanceof Chunk chunk) {
                chunk.buffer.flip();
                buffers.add(chunk.buffer);
                bytes += chunk.buffer.remaining();
            } else if (segment instanceof Large large) {
                large.taken = true;
                buffers.add(large.header);
                buffers.add(large.payload);
                bytes += large.size;
            }
        }
        return new Batch(segments, buffers.toArray(ByteBuffer[]::new), bytes);
    }

    /** Under the lock: the open chunk at the tail, or a new one, with {@code room} bytes free. */
    private ByteBuffer tailWithRoom(int room) {
        if (tail == null || tail.buffer.remaining() < room) {
            tail = new Chunk(ChunkPool.acquire());
            queue.addLast(tail);
        }
        return tail.buffer;
    }

    private void wakeWriter() {
        if (writerSleeping) {
            work.signal();
        }
    }

    private void throwIfRefused() {
        if (refusal != null) {
            throw refusal.get();
        }
    }

    /** Under the lock: waits for {@link #progress}, counted in {@link #progressAwaited} meanwhile. */
    private void awaitProgress(long nanos) {
        progressAwaited++;
        try {
            progress.awaitNanos(Math.min(nanos, Long.MAX_VALUE / 2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipeException("pipe '" + pipeName + "': interrupted while waiting to write", e);
        } finally {
            progressAwaited--;
        }
    }

    /** Writes one control frame with the wire's encoder. */
    @FunctionalInterface
    public interface ControlFrame {
        /**
         * @param encoder the wire's encoder
         * @param out where to write
         * @return false when the wire has no such frame
         */
        boolean encode(FrameEncoder encoder, ByteBuffer out);
    }

    /** A large payload's place in the outbox, for its writer to await. */
    public static final class Ticket {
        private final Large large;

        private Ticket(Large large) {
            this.large = large;
        }
    }

    /** Frames taken together for one gathering write. */
    public static final class Batch {

        private final List<Segment> segments;
        private final ByteBuffer[] buffers;
        private final long bytes;
        private int first;

        private Batch(List<Segment> segments, ByteBuffer[] buffers, long bytes) {
            this.segments = segments;
            this.buffers = buffers;
            this.bytes = bytes;
        }

        /**
         * Writes as much of the batch as the channel takes now.
         *
         * @param channel where to write
         * @return whether the whole batch has been written
         * @throws IOException when the channel fails
         */
        public boolean writeTo(GatheringByteChannel channel) throws IOException {
            while (first < buffers.length) {
                // One buffer (a batch of small messages in one chunk): write, which costs less than writev.
                long written = (first == buffers.length - 1) ? channel.write(buffers[first])
                        : channel.write(buffers, first, buffers.length - first);
                while (first < buffers.length && !buffers[first].hasRemaining()) {
                    first++;
                }
                if (written == 0 && first < buffers.length) {
                    return false;
                }
            }
            return true;
        }

        /**
         * @return the bytes in this batch
         */
        public long bytes() {
            return bytes;
        }
    }

    private sealed interface Segment permits Chunk, Large {
    }

    private static final class Chunk implements Segment {
        final ByteBuffer buffer;

        Chunk(ByteBuffer buffer) {
            this.buffer = buffer;
        }
    }

    private static final class Large implements Segment {
        final ByteBuffer header;
        final ByteBuffer payload;
        final long size;
        boolean taken;
        boolean done;

        Large(ByteBuffer header, ByteBuffer payload, long size) {
            this.header = header;
            this.payload = payload;
            this.size = size;
        }
    }
}
