package io.pipc.transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.PipeException;
import io.pipc.Readiness;
import io.pipc.wire.FrameDecoder;

import org.jspecify.annotations.Nullable;

/**
 * The messages a pipe has received and not yet read, bounded in messages and in bytes.
 *
 * <p>Producers are the transport (a reader thread or an event loop; in-process pipes have a
 * queue of their own shape); consumers are the application's reading threads. When the queue is
 * full a blocking producer waits and a non-blocking producer is told how much fitted; either
 * way the transport stops reading, so backpressure reaches the peer's writer. A single message
 * larger than the byte capacity is still admitted into an empty queue, so no message can be
 * stuck for ever.
 *
 * <p>Besides messages the queue ends in one of two ways: {@linkplain #finish finished} (the
 * peer is gone: readers take what is queued, then get the ending exception, again and again)
 * or {@linkplain #close closed} (this end is closed: readers get the closing exception at
 * once). An {@linkplain #addEvent event} is a one-shot exception in the stream of messages
 * (an in-process disconnect): the reader that meets it gets it, and later reads go on.
 *
 * <p>Exceptions are made by suppliers at the moment they are thrown, so each carries the
 * stack of the thread that sees it.
 *
 * <p>A message without headers may be queued as its bare payload ({@link #offerPayload}), and
 * read as one ({@link #takePayload}, {@link #drainPayloads}), so a plain message costs no
 * envelope. Each entry is read either way; an envelope is
 * made only for a reader that asks for one.
 *
 * <p>A queue can also {@linkplain #accountBytesTo count its bytes} into a budget it shares with
 * other queues (a server's inbound buffer), and {@linkplain #notifyWhenEmptied say when the
 * reader has emptied it}, for a transport that stopped reading because that budget was spent.
 */
public final class InboundQueue implements ReceivedMessages {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition hasRoom = lock.newCondition();
    /** A {@code byte[]} (a message without headers), an {@link Envelope}, or an {@link Event}. */
    private final ArrayDeque<Object> entries = new ArrayDeque<>();
    private final int maxMessages;
    private final long maxBytes;
    private final Readiness readiness = new Readiness(this::isReadable);
    /**
     * What a spinning reader waits for: something to read and the lock free, since a reader
     * that saw the message before the producer let go of the lock would park on the lock.
     */
    private final BooleanSupplier takeWouldNotWait = () -> this.readable && !this.lock.isLocked();

    private int messages;
    private long bytes;
    private int blockedProducers;
    /** Written under the lock, read without it: who waits now, for monitoring and tests. */
    private volatile int producersWaiting;
    private volatile int readersWaiting;
    /** A non-blocking producer was refused room and waits for {@link #roomListener}. */
    private boolean producerStalled;
    private @Nullable Runnable roomListener;
    private LongConsumer byteAccount = bytes -> { };
    private @Nullable Runnable emptiedListener;
    private @Nullable Supplier<? extends PipeException> ending;
    private @Nullable Supplier<? extends PipeException> producerFailure;
    private @Nullable Supplier<? extends PipeException> closing;
    /** Set once by a transport whose producer is another thread of this JVM; null: park at once. */
    private volatile @Nullable AdaptiveSpin spinBeforeWaiting;

    /** Written under the lock, read without it: what {@code select} and {@link #size()} see. */
    private volatile int visibleMessages;
    private volatile boolean readable;

    /**
     * @param maxMessages how many messages may wait, at least 1
     * @param maxBytes how many payload bytes may wait, at least 1
     */
    public InboundQueue(int maxMessages, long maxBytes) {
        if (maxMessages < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1 message and 1 byte (was "
                    + maxMessages + " messages, " + maxBytes + " bytes)");
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /**
     * @return the readiness that {@code select} watches: true when a read would not block
     */
    public Readiness readiness() {
        return readiness;
    }

    /**
     * @param listener called, outside any lock, when room appears after a
     *        {@linkplain #offerAvailable non-blocking offer} was refused; it resumes reading
     */
    public void onRoom(Runnable listener) {
        lock.lock();
        try {
            this.roomListener = listener;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes a reader that finds the queue empty spin for a while before it parks, for a
     * producer that may well be running on another core now (a socket pipe's event loop): the reader then takes the message without being unparked, and the
     * producer saves the unpark. Set before the queue is used.
     *
     * @param spin how long to spin, adapting to whether spinning pays
     */
    public void spinBeforeWaiting(AdaptiveSpin spin) {
        this.spinBeforeWaiting = spin;
    }

    /**
     * Counts every payload byte queued into {@code account} (positive) and every byte read or
     * dropped out of it (negative). Set before the first message; bytes leaving the queue are
     * counted outside the lock, so the account may wake whoever waits on it.
     *
     * @param account told of each change in the bytes queued
     */
    public void accountBytesTo(LongConsumer account) {
        lock.lock();
        try {
            if (messages > 0) {
                throw new IllegalStateException("the byte account must be set before the first message");
            }
            this.byteAccount = account;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks to be told, once, when a reader has taken the last queued message.
     *
     * @param listener run outside any lock by the reader that emptied the queue; must not block
     * @return false when the queue holds no message now (nothing is registered: it is empty already)
     */
    public boolean notifyWhenEmptied(Runnable listener) {
        lock.lock();
        try {
            if (messages == 0) {
                return false;
            }
            emptiedListener = listener;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds one message, waiting for room up to {@code timeoutNanos}.
     *
     * @param message the message
     * @param timeoutNanos how long to wait for room; {@link Long#MAX_VALUE} waits for ever
     * @return false when there was no room in time (nothing was added)
     * @throws PipeException the producer failure, when the queue no longer accepts messages
     * @throws InterruptedException when the producer is interrupted while waiting
     */
    public boolean offer(Envelope message, long timeoutNanos) throws InterruptedException {
        return offerEntry(message, message.payload().length, timeoutNanos);
    }

    /**
     * Adds one message without headers as its bare payload, waiting for room up to
     * {@code timeoutNanos}; the queue keeps this very array.
     *
     * @param payload the message
     * @param timeoutNanos how long to wait for room; {@link Long#MAX_VALUE} waits for ever
     * @return false when there was no room in time (nothing was added)
     * @throws PipeException the producer failure, when the queue no longer accepts messages
     * @throws InterruptedException when the producer is interrupted while waiting
     */
    public boolean offerPayload(byte[] payload, long timeoutNanos) throws InterruptedException {
        return offerEntry(payload, payload.length, timeoutNanos);
    }

    private boolean offerEntry(Object message, int size, long timeoutNanos) throws InterruptedException {
        long remaining = timeoutNanos;
        lock.lockInterruptibly();
        try {
            while (true) {
                throwIfNotAccepting();
                if (fits(size)) {
                    append(message, size);
                    break;
                }
                if (remaining <= 0) {
                    return false;
                }
                producersWaiting = ++blockedProducers;
                try {
                    remaining = awaitUpTo(hasRoom, remaining);
                } finally {
                    producersWaiting = --blockedProducers;
                }
            }
        } finally {
            lock.unlock();
        }
        readiness.signal();
        return true;
    }

    /**
     * Adds as many of {@code batch}, in order from {@code from}, as there is room for, without
     * waiting. When not all fitted, the {@linkplain #onRoom room listener} runs once room appears.
     * Messages offered after this end was closed are dropped, as the reader no longer wants them.
     *
     * @param batch messages in arrival order
     * @param from the index of the first message to add
     * @return the index after the last message taken (or dropped): {@code batch.size()} when all were
     */
    public int offerAvailable(List<Envelope> batch, int from) {
        return offerEntries(batch, from);
    }

    /**
     * Adds messages as {@link #offerAvailable} does, from a list that holds each as a decoder
     * appends it ({@link FrameDecoder#decodeEntries}): a message without headers as its bare
     * payload, which the queue keeps as it is, one with headers as its envelope. The run ends at
     * the first entry that is neither (a control frame, left to the caller).
     *
     * @param entries payloads, envelopes and other entries in arrival order
     * @param from the index of the first message to add
     * @return the index after the last message taken (or dropped)
     */
    public int offerEntries(List<?> entries, int from) {
        int next = from;
        boolean dropping;
        lock.lock();
        try {
            // Offered after this end was closed: dropped, as the reader no longer wants them.
            dropping = closing != null || ending != null;
            for (; next < entries.size(); next++) {
                Object message = entries.get(next);
                if (!(message instanceof byte[]) && !(message instanceof Envelope)) {
                    break;
                }
                int size = FrameDecoder.payloadOf(message).length;
                if (!dropping) {
                    if (!fits(size)) {
                        producerStalled = true;
                        break;
                    }
                    append(message, size);
                }
            }
        } finally {
            lock.unlock();
        }
        if (next > from && !dropping) {
            readiness.signal();
        }
        return next;
    }

    /**
     * Adds a one-shot exception after the messages queued so far: the reader that reaches it
     * gets it once, and reads go on after it. It is added even when the queue is full.
     *
     * @param event makes the exception to throw
     */
    public void addEvent(Supplier<? extends PipeException> event) {
        lock.lock();
        try {
            if (closing != null || ending != null) {
                return;
            }
            entries.addLast(new Event(event));
            readable = true;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        readiness.signal();
    }

    /**
     * No more messages will come: readers take what is queued, then get {@code forReaders}
     * on every read. Producers get {@code forProducers}. Only the first ending counts.
     *
     * @param forReaders makes the exception readers get after the last message
     * @param forProducers makes the exception producers get from now on
     */
    public void finish(Supplier<? extends PipeException> forReaders, Supplier<? extends PipeException> forProducers) {
        lock.lock();
        try {
            if (ending != null || closing != null) {
                return;
            }
            ending = forReaders;
            producerFailure = forProducers;
            readable = true;
            notEmpty.signalAll();
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
        readiness.signal();
    }

    /**
     * This end is closed: queued messages are dropped, readers get {@code forReaders} at once,
     * producers get {@code forProducers}. Every blocked thread is woken.
     *
     * @param forReaders makes the exception readers get
     * @param forProducers makes the exception producers get
     * @return how many unread messages were dropped
     */
    public int close(Supplier<? extends PipeException> forReaders, Supplier<? extends PipeException> forProducers) {
        int dropped;
        long droppedBytes;
        lock.lock();
        try {
            if (closing != null) {
                return 0;
            }
            closing = forReaders;
            producerFailure = forProducers;
            dropped = messages;
            droppedBytes = bytes;
            emptiedListener = null;
            entries.clear();
            messages = 0;
            bytes = 0;
            visibleMessages = 0;
            readable = true;
            notEmpty.signalAll();
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
        if (droppedBytes > 0) {
            byteAccount.accept(-droppedBytes);
        }
        readiness.signal();
        return dropped;
    }

    /**
     * Takes the next message, waiting up to {@code timeoutNanos}.
     *
     * @param timeoutNanos how long to wait; {@link Long#MAX_VALUE} waits for ever
     * @return the message, or null when none came in time
     * @throws PipeException the closing exception, the ending exception once the queue is
     *         drained, or an event's exception
     * @throws InterruptedException when the reader is interrupted while waiting
     */
    public @Nullable Envelope take(long timeoutNanos) throws InterruptedException {
        Object message = takeEntry(timeoutNanos);
        return message == null ? null : FrameDecoder.envelopeOf(message);
    }

    /**
     * Takes the next message's payload, waiting up to {@code timeoutNanos}; its headers, if
     * any, are dropped. What {@code read()} uses: a message queued bare costs nothing more.
     *
     * @param timeoutNanos how long to wait; {@link Long#MAX_VALUE} waits for ever
     * @return the payload, or null when none came in time
     * @throws PipeException as {@link #take}
     * @throws InterruptedException when the reader is interrupted while waiting
     */
    public byte @Nullable [] takePayload(long timeoutNanos) throws InterruptedException {
        Object message = takeEntry(timeoutNanos);
        return message == null ? null : FrameDecoder.payloadOf(message);
    }

    private @Nullable Object takeEntry(long timeoutNanos) throws InterruptedException {
        AdaptiveSpin spin = spinBeforeWaiting;
        if (spin != null && timeoutNanos > 0 && !readable) {
            spin.awaitUntil(takeWouldNotWait);
        }
        boolean announced = false;
        long remaining = timeoutNanos;
        Object message;
        int size;
        Runnable roomListenerToRun;
        Runnable emptied;
        lock.lockInterruptibly();
        try {
            while (true) {
                if (closing != null) {
                    throw closing.get();
                }
                Object head = entries.pollFirst();
                if (head instanceof Event event) {
                    updateVisible();
                    throw event.exception.get();
                }
                if (head != null) {
                    message = head;
                    size = FrameDecoder.payloadOf(head).length;
                    removed(size);
                    roomListenerToRun = wakeProducersIfRoomy();
                    emptied = takeEmptiedListener();
                    break;
                }
                if (ending != null) {
                    throw ending.get();
                }
                if (remaining <= 0) {
                    return null;
                }
                if (!announced && readiness.listensForWaits()) {
                    // The readiness's owner is told (Readiness#awaited) outside the lock, which its work may need;
                    // then everything is checked again.
                    announced = true;
                    lock.unlock();
                    try {
                        readiness.awaited(true);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                readersWaiting++;
                try {
                    remaining = awaitUpTo(notEmpty, remaining);
                } finally {
                    readersWaiting--;
                }
            }
        } finally {
            lock.unlock();
            if (announced) {
                readiness.awaited(false);
            }
        }
        afterRemoval(size, roomListenerToRun, emptied);
        return message;
    }

    /**
     * Takes every message queued now, up to the first event, without waiting.
     *
     * @return the messages, oldest first, possibly none
     * @throws PipeException the closing exception, when this end is closed
     */
    public List<Envelope> drain() {
        return drainAs(FrameDecoder::envelopeOf);
    }

    /**
     * Takes the payloads of every message queued now, up to the first event, without waiting;
     * their headers, if any, are dropped.
     *
     * @return the payloads, oldest first, possibly none
     * @throws PipeException the closing exception, when this end is closed
     */
    public List<byte[]> drainPayloads() {
        return drainAs(FrameDecoder::payloadOf);
    }

    private <T> List<T> drainAs(Function<Object, T> as) {
        List<T> taken;
        Runnable roomListenerToRun;
        Runnable emptied;
        long takenBytes = 0;
        lock.lock();
        try {
            if (closing != null) {
                throw closing.get();
            }
            taken = new ArrayList<>(Math.min(messages, 1024));
            for (Object head = entries.peekFirst(); head != null && !(head instanceof Event); head = entries.peekFirst()) {
                entries.pollFirst();
                taken.add(as.apply(head));
                int size = FrameDecoder.payloadOf(head).length;
                removed(size);
                takenBytes += size;
            }
            roomListenerToRun = taken.isEmpty() ? null : wakeProducersIfRoomy();
            emptied = taken.isEmpty() ? null : takeEmptiedListener();
        } finally {
            lock.unlock();
        }
        afterRemoval(takenBytes, roomListenerToRun, emptied);
        return taken;
    }

    /**
     * @return how many producers wait for room now (a reader thread)
     */
    public int producersWaiting() {
        return producersWaiting;
    }

    /**
     * @return how many readers wait for a message now
     */
    public int readersWaiting() {
        return readersWaiting;
    }

    /**
     * @return messages queued and not yet read
     */
    public int size() {
        return visibleMessages;
    }

    /**
     * @return whether a read would not block: a message or event is queued, or the queue has ended or closed
     */
    public boolean isReadable() {
        return readable;
    }

    /**
     * @return whether the queue was {@linkplain #finish finished} or {@linkplain #close closed}
     */
    public boolean hasEnded() {
        lock.lock();
        try {
            return ending != null || closing != null;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: waits up to {@code nanos} ({@link Long#MAX_VALUE}: for ever), and says what is left. */
    private static long awaitUpTo(Condition condition, long nanos) throws InterruptedException {
        if (nanos == Long.MAX_VALUE) {
            condition.await();
            return nanos;
        }
        return condition.awaitNanos(nanos);
    }

    private boolean fits(int size) {
        return messages == 0 || (messages < maxMessages && bytes + size <= maxBytes);
    }

    private void throwIfNotAccepting() {
        if (producerFailure != null) {
            throw producerFailure.get();
        }
    }

    private void append(Object message, int size) {
        entries.addLast(message);
        messages++;
        bytes += size;
        // Counted under the lock, before a reader can take it and count it out.
        byteAccount.accept(size);
        visibleMessages = messages;
        readable = true;
        // Counted under the lock before a reader waits: a message for nobody waiting touches no condition.
        if (readersWaiting > 0) {
            notEmpty.signal();
        }
    }

    private void removed(int size) {
        messages--;
        bytes -= size;
        updateVisible();
    }

    private void updateVisible() {
        visibleMessages = messages;
        readable = !entries.isEmpty() || ending != null || closing != null;
    }

    /** Under the lock: the emptied listener to run, once, if the queue is now empty. */
    private @Nullable Runnable takeEmptiedListener() {
        Runnable listener = emptiedListener;
        if (listener == null || messages > 0) {
            return null;
        }
        emptiedListener = null;
        return listener;
    }

    /** Outside the lock: what follows taking messages out of the queue. */
    private void afterRemoval(long removedBytes, @Nullable Runnable roomListenerToRun, @Nullable Runnable emptied) {
        if (removedBytes > 0) {
            byteAccount.accept(-removedBytes);
        }
        if (roomListenerToRun != null) {
            roomListenerToRun.run();
        }
        if (emptied != null) {
            emptied.run();
        }
    }

    /**
     * Wakes producers once the queue has drained to half, so that they refill it in batches
     * rather than one message at a time. Called under the lock.
     *
     * @return the room listener to run once the lock is released, or null
     */
    private @Nullable Runnable wakeProducersIfRoomy() {
        if (messages > maxMessages / 2 || bytes > maxBytes / 2) {
            return null;
        }
        if (blockedProducers > 0) {
            hasRoom.signalAll();
        }
        if (producerStalled) {
            producerStalled = false;
            return roomListener;
        }
        return null;
    }

    /** A one-shot exception queued among the messages. */
    private record Event(Supplier<? extends PipeException> exception) {
    }
}
