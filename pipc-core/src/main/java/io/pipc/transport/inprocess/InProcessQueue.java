package io.pipc.transport.inprocess;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.PipeException;
import io.pipc.Readiness;
import io.pipc.transport.AdaptiveSpin;
import io.pipc.transport.ReceivedMessages;

import org.jspecify.annotations.Nullable;

/**
 * One in-process end's received messages: a queue that the peer's writing threads fill and
 * this end's reading threads drain, shaped as JeroMQ's {@code YPipe} so that the two sides
 * share no lock and wake each other only when one of them sleeps.
 *
 * <p>Messages sit in a linked list of fixed chunks of slots ({@code YQueue}'s shape): a writer
 * fills the tail chunk, a reader empties the head chunk, and a reader that leaves a chunk
 * gives it back for writers to fill again, so a stream allocates nothing but its messages.
 * The two sides meet only in two counters: {@link #produced} (written by writers) and
 * {@link #consumed} (written by readers). Writers serialise on {@link #writerLock} and readers
 * on {@link #readerLock}; neither lock is ever held by the other side, so with one writer and
 * one reader each takes its own lock uncontended. A reader finds messages by looking at the
 * head slot itself, never at the writers' counter; a writer checks its bounds against the
 * readers' counter as last seen, and reads it again only when that says full.
 *
 * <p>Sleeping follows YPipe's rule: a side wakes the other only when that one announced it
 * sleeps. A reader that found nothing (after a short {@link AdaptiveSpin}) takes
 * {@link #sleepLock}, counts itself into {@link #readersSleeping} and only then looks at
 * {@link #produced} once more before it awaits; a writer stores {@link #produced} and then
 * reads {@link #readersSleeping}, and signals under {@link #sleepLock} only when it is not
 * zero. Both are volatile, so of the two orders (store, then the other's read) at least one
 * side sees the other: either the reader finds the message, or the writer finds the sleeper.
 * A writer that finds the queue full sleeps the same way on {@link #consumed} and
 * {@link #producersSleeping}; readers wake it once the queue has drained to half, so that it
 * refills in a batch. A stream between two running threads so costs each message a slot
 * write, a volatile store and a read of a counter the other side seldom writes.
 *
 * <p>The rest is {@link io.pipc.transport.InboundQueue}'s contract: bounded in messages and
 * payload bytes (one message larger than the byte bound still enters an empty queue); an
 * event is a one-shot exception among the messages (it counts as a message against the
 * bound, and is added even when the queue is full); {@linkplain #finish finished} readers take
 * what is queued and then get the ending; {@linkplain #close closed} readers get the closing
 * at once, and what was queued is dropped.
 */
final class InProcessQueue extends QueueSides.AfterReaders implements ReceivedMessages {

    /** Slots per chunk: 1 KiB of references, so that a chunk is handed back every 256 messages. */
    static final int CHUNK = 256;
    /**
     * Slots a reader empties at once, when it takes the last of them: a cache line of compressed
     * references. A reader right behind a writer that emptied each slot as it took it would write
     * into the line the writer is filling, taking the line from the writer's core on every message
     * and the writer taking it back for the next. Small bare messages (at most
     * {@value #LEFT_FOR_THE_LINE} bytes) wait for their line, so a taken message stays referenced
     * for at most {@value #LINE_SLOTS} - 1 more messages; anything else is let go at once. {@link #CHUNK}
     * is a multiple of it, so a chunk is wholly empty when its readers leave it.
     */
    static final int LINE_SLOTS = 16;
    private static final int LEFT_FOR_THE_LINE = 1024;

    private static final VarHandle BYTES_PRODUCED;
    private static final VarHandle BYTES_CONSUMED;
    private static final VarHandle WRITER_LOCK;
    private static final VarHandle READER_LOCK;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    /** A spin lock's holder yields the core every this many failed tries: it may be waiting for one. */
    private static final int YIELD_MASK = 7;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BYTES_PRODUCED = lookup.findVarHandle(QueueSides.Writers.class, "bytesProduced", long.class);
            BYTES_CONSUMED = lookup.findVarHandle(QueueSides.Readers.class, "bytesConsumed", long.class);
            WRITER_LOCK = lookup.findVarHandle(QueueSides.Writers.class, "writerLock", int.class);
            READER_LOCK = lookup.findVarHandle(QueueSides.Readers.class, "readerLock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int maxMessages;
    private final long maxBytes;
    private final Readiness readiness = new Readiness(this::isReadable);
    private final BooleanSupplier readable = this::isReadable;
    /** What a spinning reader watches: the head slot itself, a line the writer fills anyway, not {@link #produced}. */
    private final BooleanSupplier headFilled = this::isHeadFilled;
    private final @Nullable AdaptiveSpin spin;

    /** Where a side that found nothing to do sleeps, and where the other side wakes it. */
    private final ReentrantLock sleepLock = new ReentrantLock();
    private final Condition notEmpty = sleepLock.newCondition();
    private final Condition hasRoom = sleepLock.newCondition();
    /**
     * Chunks readers are done with, a stack linked through {@code next}, from which writers take
     * before they make one: a queue keeps the chunks its deepest burst needed, so bursts deeper
     * than a chunk allocate nothing either. Readers push and writers pop, each under their side's
     * lock: with one popper a chunk cannot leave and come back during a pop, so no ABA.
     */
    private final AtomicReference<QueueSides.@Nullable Chunk> spares = new AtomicReference<>();
    /** Events queued and not yet read: what {@link #size()} leaves out. */
    private final AtomicInteger events = new AtomicInteger();

    /** Changed under sleepLock: who sleeps now, and whether the other side must wake them. */
    private volatile int readersSleeping;
    private volatile int producersSleeping;

    private volatile @Nullable Supplier<? extends PipeException> ending;
    private volatile @Nullable Supplier<? extends PipeException> closing;
    private volatile @Nullable Supplier<? extends PipeException> producerFailure;

    /**
     * @param maxMessages how many messages may wait, at least 1
     * @param maxBytes how many payload bytes may wait, at least 1
     * @param spin how a reader that finds the queue empty waits before it sleeps; null: it sleeps at once
     */
    InProcessQueue(int maxMessages, long maxBytes, @Nullable AdaptiveSpin spin) {
        super(new QueueSides.Chunk());
        if (maxMessages < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1 message and 1 byte (was "
                    + maxMessages + " messages, " + maxBytes + " bytes)");
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.spin = spin;
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    /**
     * Adds one message, waiting for room up to {@code timeoutNanos}.
     *
     * @param message a {@code byte[]} (a message without headers, kept as this very array) or an {@link Envelope}
     * @param timeoutNanos how long to wait for room; {@link Long#MAX_VALUE} waits for ever
     * @return false when there was no room in time (nothing was added)
     * @throws PipeException the producer failure, when the queue no longer accepts messages
     * @throws InterruptedException when the writer is interrupted while waiting
     */
    boolean offer(Object message, long timeoutNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        int size = payloadOf(message).length;
        long remaining = timeoutNanos;
        while (true) {
            lock(WRITER_LOCK);
            try {
                throwIfNotAccepting();
                if (fitsAsSeen(size)) {
                    push(message, size);
                    break;
                }
            } finally {
                unlock(WRITER_LOCK);
            }
            if (remaining <= 0) {
                return false;
            }
            remaining = sleep(false, () -> producerFailure != null || fitsNow(size), remaining);
        }
        wakeReaders();
        return true;
    }

    /**
     * Adds a one-shot exception after the messages queued so far, even when the queue is full.
     *
     * @param event makes the exception the reader that reaches it gets
     */
    void addEvent(Supplier<? extends PipeException> event) {
        lock(WRITER_LOCK);
        try {
            if (closing != null || ending != null) {
                return;
            }
            events.incrementAndGet();
            push(new Event(event), 0);
        } finally {
            unlock(WRITER_LOCK);
        }
        wakeReaders();
    }

    /**
     * No more messages will come: readers take what is queued, then get {@code forReaders}
     * on every read; writers get {@code forProducers}. Only the first ending counts.
     */
    void finish(Supplier<? extends PipeException> forReaders, Supplier<? extends PipeException> forProducers) {
        lock(WRITER_LOCK);
        try {
            if (ending != null || closing != null) {
                return;
            }
            producerFailure = forProducers;
            ending = forReaders;
        } finally {
            unlock(WRITER_LOCK);
        }
        wakeAll();
    }

    /**
     * This end is closed: what is queued is dropped, readers get {@code forReaders} at once,
     * writers {@code forProducers}; every sleeping thread is woken.
     *
     * @return how many unread messages were dropped
     */
    int close(Supplier<? extends PipeException> forReaders, Supplier<? extends PipeException> forProducers) {
        int dropped = 0;
        lock(WRITER_LOCK);
        try {
            lock(READER_LOCK);
            try {
                if (closing != null) {
                    return 0;
                }
                producerFailure = forProducers;
                closing = forReaders;
                while (peekHead() != null) {
                    if (!(removeHead() instanceof Event)) {
                        dropped++;
                    }
                }
                events.set(0);
                publishTaken();
            } finally {
                unlock(READER_LOCK);
            }
        } finally {
            unlock(WRITER_LOCK);
        }
        wakeAll();
        return dropped;
    }

    @Override
    public @Nullable Envelope take(long timeoutNanos) throws InterruptedException {
        Object message = takeEntry(timeoutNanos);
        return message == null ? null : asEnvelope(message);
    }

    @Override
    public byte @Nullable [] takePayload(long timeoutNanos) throws InterruptedException {
        Object message = takeEntry(timeoutNanos);
        return message == null ? null : payloadOf(message);
    }

    private @Nullable Object takeEntry(long timeoutNanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long remaining = timeoutNanos;
        AdaptiveSpin spinFirst = spin;
        while (true) {
            Object message = poll();
            if (message != null) {
                return message;
            }
            if (remaining <= 0) {
                return null;
            }
            if (spinFirst != null) {
                AdaptiveSpin spinning = spinFirst;
                spinFirst = null;
                if (spinning.awaitUntil(headFilled)) {
                    continue;
                }
            }
            remaining = sleep(true, readable, remaining);
        }
    }

    /** Takes the head entry without waiting: null when there is none. */
    private @Nullable Object poll() {
        lock(READER_LOCK);
        try {
            Supplier<? extends PipeException> closed = closing;
            if (closed != null) {
                throw closed.get();
            }
            if (peekHead() == null) {
                Supplier<? extends PipeException> ended = ending;
                // Writers publish nothing after the ending is set: look again, this time after it.
                if (ended != null && peekHead() == null) {
                    throw ended.get();
                }
                return null;
            }
            Object entry = removeHead();
            if (entry instanceof Event event) {
                events.decrementAndGet();
                publishTaken();
                throw event.exception().get();
            }
            bytesTaken += payloadOf(entry).length;
            publishTaken();
            return entry;
        } finally {
            unlock(READER_LOCK);
        }
    }

    @Override
    public List<Envelope> drain() {
        return drainAs(InProcessQueue::asEnvelope);
    }

    @Override
    public List<byte[]> drainPayloads() {
        return drainAs(InProcessQueue::payloadOf);
    }

    private <T> List<T> drainAs(Function<Object, T> as) {
        lock(READER_LOCK);
        try {
            Supplier<? extends PipeException> closed = closing;
            if (closed != null) {
                throw closed.get();
            }
            List<T> drained = new ArrayList<>((int) Math.min(Math.max(produced - taken, 0), 1024));
            for (Object head = peekHead(); head != null && !(head instanceof Event); head = peekHead()) {
                Object message = removeHead();
                bytesTaken += payloadOf(message).length;
                drained.add(as.apply(message));
            }
            if (!drained.isEmpty()) {
                publishTaken();
            }
            return drained;
        } finally {
            unlock(READER_LOCK);
        }
    }

    @Override
    public int size() {
        long readersAt = consumed;
        return (int) Math.max(0, produced - readersAt - events.get());
    }

    @Override
    public int readersWaiting() {
        return readersSleeping;
    }

    @Override
    public int producersWaiting() {
        return producersSleeping;
    }

    /**
     * @return whether a read would not block: an entry is queued, or the queue has ended or closed
     */
    boolean isReadable() {
        // A reader may take an entry before its writer has counted it in: then consumed is ahead for a moment.
        return consumed < produced || ending != null || closing != null;
    }

    /** Unlocked, so only a hint for a spinning reader: whether the head slot holds an entry, or the queue has ended. */
    private boolean isHeadFilled() {
        return peekHead() != null || ending != null || closing != null;
    }

    /** Under writerLock: whether {@code size} more bytes fit, by the readers' counters as last seen, then as they are. */
    private boolean fitsAsSeen(int size) {
        if (fits(written - consumedSeen, bytesWritten - bytesConsumedSeen, size)) {
            return true;
        }
        consumedSeen = consumed;
        bytesConsumedSeen = (long) BYTES_CONSUMED.getAcquire(this);
        return fits(written - consumedSeen, bytesWritten - bytesConsumedSeen, size);
    }

    private boolean fits(long queued, long queuedBytes, int size) {
        return queued <= 0 || (queued < maxMessages && queuedBytes + size <= maxBytes);
    }

    /** Under writerLock: puts the entry into the tail slot and publishes it. */
    private void push(Object entry, int size) {
        if (tailIndex == CHUNK) {
            QueueSides.Chunk next = takeSpare();
            // A volatile store: a reader that finds the link finds the chunk as it was made or handed back.
            tail.next = next;
            tail = next;
            tailIndex = 0;
        }
        // Released, so that a reader that finds the entry in its slot finds the entry's contents too.
        SLOTS.setRelease(tail.slots, tailIndex++, entry);
        bytesWritten += size;
        BYTES_PRODUCED.setRelease(this, bytesWritten);
        produced = ++written;
    }

    /** Under readerLock, with an entry queued: takes the head entry; its slot is emptied now or with its line. */
    private Object removeHead() {
        if (headIndex == CHUNK) {
            // The entry is in the next chunk, so a writer linked it.
            QueueSides.Chunk done = head;
            head = nextChunk();
            headIndex = 0;
            giveBack(done);
        }
        Object[] slots = head.slots;
        int index = headIndex++;
        Object entry = slots[index];
        if ((headIndex & (LINE_SLOTS - 1)) == 0) {
            Arrays.fill(slots, headIndex - LINE_SLOTS, headIndex, null);
        } else if (!(entry instanceof byte[] payload) || payload.length > LEFT_FOR_THE_LINE) {
            slots[index] = null;
        }
        taken++;
        if (entry == null) {
            throw new IllegalStateException("in-process queue: slot " + (taken - 1) + " was published empty");
        }
        return entry;
    }

    /** Under writerLock: a chunk readers are done with, or a new one. */
    private QueueSides.Chunk takeSpare() {
        while (true) {
            QueueSides.Chunk top = spares.get();
            if (top == null) {
                return new QueueSides.Chunk();
            }
            if (spares.compareAndSet(top, top.next)) {
                top.next = null;
                return top;
            }
        }
    }

    /** Under readerLock: keeps an emptied chunk, all its slots null, for writers to fill again. */
    private void giveBack(QueueSides.Chunk done) {
        QueueSides.Chunk top;
        do {
            top = spares.get();
            done.next = top;
        } while (!spares.compareAndSet(top, done));
    }

    /** Under readerLock, with an entry queued: the head entry, left in place. */
    private @Nullable Object peekHead() {
        // Each field read once: a spinning reader peeks without the reader lock (isHeadFilled), while
        // another reader may move the head on between two reads of it.
        QueueSides.Chunk chunk = head;
        int index = headIndex;
        if (index < CHUNK) {
            return SLOTS.getAcquire(chunk.slots, index);
        }
        QueueSides.Chunk next = chunk.next;
        return next == null ? null : SLOTS.getAcquire(next.slots, 0);
    }

    private QueueSides.Chunk nextChunk() {
        QueueSides.Chunk next = head.next;
        if (next == null) {
            throw new IllegalStateException("in-process queue: the next chunk was not linked before its entries were published");
        }
        return next;
    }

    /** Under readerLock: tells writers how far readers have taken, and wakes any that sleep once the queue is half empty. */
    private void publishTaken() {
        BYTES_CONSUMED.setRelease(this, bytesTaken);
        consumed = taken;
        if (producersSleeping != 0 && produced - taken <= maxMessages / 2
                && (long) BYTES_PRODUCED.getAcquire(this) - bytesTaken <= maxBytes / 2) {
            signal(hasRoom);
        }
    }

    private void wakeReaders() {
        if (readersSleeping != 0) {
            signal(notEmpty);
        }
        readiness.signal();
    }

    private void wakeAll() {
        sleepLock.lock();
        try {
            notEmpty.signalAll();
            hasRoom.signalAll();
        } finally {
            sleepLock.unlock();
        }
        readiness.signal();
    }

    private void signal(Condition condition) {
        sleepLock.lock();
        try {
            condition.signalAll();
        } finally {
            sleepLock.unlock();
        }
    }

    /**
     * Announces a sleeping reader or writer, then looks once more, and sleeps until
     * {@code awake} holds or the time is up: the announcement comes first, so that a change
     * made after the look is made by a thread that will see the announcement and wake us.
     *
     * @return the nanoseconds left
     */
    private long sleep(boolean reader, BooleanSupplier awake, long nanos) throws InterruptedException {
        long remaining = nanos;
        sleepLock.lockInterruptibly();
        try {
            if (reader) {
                readersSleeping++;
            } else {
                producersSleeping++;
            }
            try {
                while (remaining > 0 && !awake.getAsBoolean()) {
                    remaining = awaitUpTo(reader ? notEmpty : hasRoom, remaining);
                }
            } finally {
                if (reader) {
                    readersSleeping--;
                } else {
                    producersSleeping--;
                }
            }
        } finally {
            sleepLock.unlock();
        }
        return remaining;
    }

    private boolean fitsNow(int size) {
        long readersAt = consumed;
        long bytesOut = (long) BYTES_CONSUMED.getAcquire(this);
        long writersAt = produced;
        long bytesIn = (long) BYTES_PRODUCED.getAcquire(this);
        return fits(writersAt - readersAt, bytesIn - bytesOut, size);
    }

    /**
     * Takes a side's spin lock. What it guards never blocks and never waits for the other side,
     * so a thread that finds it taken waits only for another thread of its own side to finish a
     * few stores; it yields now and then in case that thread waits for a core.
     */
    private void lock(VarHandle side) {
        for (int tries = 1; !side.compareAndSet(this, 0, 1); tries++) {
            if ((tries & YIELD_MASK) == 0) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private void unlock(VarHandle side) {
        side.setRelease(this, 0);
    }

    private void throwIfNotAccepting() {
        Supplier<? extends PipeException> failure = producerFailure;
        if (failure != null) {
            throw failure.get();
        }
    }

    /** Under sleepLock: waits up to {@code nanos} ({@link Long#MAX_VALUE}: for ever), and says what is left. */
    private static long awaitUpTo(Condition condition, long nanos) throws InterruptedException {
        if (nanos == Long.MAX_VALUE) {
            condition.await();
            return nanos;
        }
        return condition.awaitNanos(nanos);
    }

    private static byte[] payloadOf(Object message) {
        return message instanceof byte[] payload ? payload : ((Envelope) message).payload();
    }

    private static Envelope asEnvelope(Object message) {
        return message instanceof byte[] payload ? Envelope.of(payload) : (Envelope) message;
    }

    /** A one-shot exception queued among the messages. */
    private record Event(Supplier<? extends PipeException> exception) {
    }
}
