package io.pipc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.pipc.transport.Deadline;
import io.pipc.transport.socket.EventLoop;
import io.pipc.transport.socket.SocketPipe;

import org.jspecify.annotations.Nullable;

/**
 * A reusable selection: candidates are {@linkplain #add added} once and waited on many times, so
 * that a wait costs what the ready candidates cost, not what all of them cost. It is the idiom
 * for a server loop over many clients, in the manner of JeroMQ's {@code ZPoller} or an epoll
 * set; {@link Pipes#select} stays the one-call way for a few candidates.
 *
 * <p>{@link #poll(Duration)} answers as {@code select} does, without consuming anything: a pipe
 * with a message queued or whose peer has gone or disconnected (so that a read will not block),
 * a server with a client waiting. It is level-triggered: a candidate that is still ready at the
 * next poll (its messages were left unread) is returned again. A candidate that becomes ready
 * tells the poller itself, so a poll neither scans the others nor busy-waits: a blocked poll
 * uses no CPU but its socket pipes' deadline checks (one short wake-up every 50 ms while it
 * holds some).
 *
 * <pre>{@code
 * try (Poller poller = Pipes.poller()) {
 *     poller.add(server);
 *     while (server.isOpen()) {
 *         for (Selectable ready : poller.poll(Duration.ofSeconds(1))) {
 *             if (ready == server) {
 *                 poller.add(server.accept());
 *             } else if (ready instanceof Pipe pipe) {
 *                 ...                                   // read, or remove and close when gone
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Threads: {@link #add}, {@link #remove}, {@link #size} and {@link #close} may be called from
 * any thread, also while another thread polls. One thread polls at a time: a second concurrent
 * {@code poll} is refused. A closed pipe stays ready (its read throws) until it is removed.
 *
 * <p>The thread that polls reads the plain TCP and Unix socket pipes added to it itself (a
 * {@code Pipe} from a server's {@code accept} or from {@code Pipes.connect}, without a message
 * sink): a poll waits on the poller's own selector, reads and decodes what has arrived into the
 * pipes' queues, and returns them, and a reply written on that thread leaves from it, with no
 * hand-off to another thread in between. Such a pipe is read while a thread polls, or while
 * another thread waits for it; what its peer sends otherwise waits in the kernel's buffers. Its
 * heartbeats go on while nobody polls, and its peer's deadlines (silence, a frame under way)
 * count only the time it is read. It goes back to its event loop when it is removed, when this
 * poller is closed, when it is closed, for as long as its socket has no room for what it
 * writes, and for as long as another thread waits for it (a blocking {@code read},
 * {@link Pipes#select}, a second poller, also through a wrapper such as {@link TypedPipe}). A
 * pipe is read by one poller's thread at most: added to a second poller as well, it tells that
 * one when it is ready, as a pipe of any other transport does. TLS pipes,
 * pipes with a message sink, other transports and wrappers such as {@link TypedPipe} are read
 * by their own threads, which tell the poller when they are ready.
 */
public final class Poller implements AutoCloseable {

    /** Guards {@link #entries}; never held while waiting or while a candidate is checked. */
    private final Object lock = new Object();

    private final Map<Selectable, Entry> entries = new IdentityHashMap<>();

    private static final AtomicIntegerFieldUpdater<Entry> QUEUED = AtomicIntegerFieldUpdater.newUpdater(Entry.class, "queued");

    /** Candidates that signalled since the poller last looked at them, each queued at most once. */
    private final ConcurrentLinkedQueue<Entry> signalled = new ConcurrentLinkedQueue<>();

    /**
     * Candidates that signalled from the polling thread itself while it polled (its own reads):
     * only that thread touches this list, so such a signal costs no queue node and no wake-up.
     */
    private final List<Entry> signalledHere = new ArrayList<>();

    /** What the last poll returned: checked again first, because readiness is a level. Polling thread only. */
    private List<Entry> returned = new ArrayList<>();

    /** The list the next poll collects into, kept to spare an allocation per poll. Polling thread only. */
    private List<Entry> spare = new ArrayList<>();

    private final AtomicReference<@Nullable Thread> polling = new AtomicReference<>();

    private volatile boolean woken;

    private volatile boolean closed;

    /** Counts polls, so that a candidate both returned and signalled is returned once per round. */
    private long round;

    /**
     * Where the polling thread waits and reads the socket pipes added, made with the first; null
     * until then, and the poll parks instead.
     */
    private volatile @Nullable EventLoop driven;

    Poller() {
    }

    /**
     * Adds a candidate. It is checked at the next poll, so one that is ready already is returned
     * then.
     *
     * @param candidate a pipe, a server or any other {@link Selectable}
     * @throws IllegalArgumentException when the candidate is in this poller already
     * @throws IllegalStateException when this poller is closed
     */
    public void add(Selectable candidate) {
        Objects.requireNonNull(candidate, "candidate");
        Readiness readiness = Objects.requireNonNull(candidate.readiness(), () -> "readiness of " + candidate);
        Entry entry = new Entry(candidate, readiness);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("this poller is closed; " + candidate + " was not added");
            }
            if (entries.putIfAbsent(candidate, entry) != null) {
                throw new IllegalArgumentException(candidate + " is in this poller already");
            }
            // Registered under the lock: a remove or close that finds the entry then always finds it registered.
            readiness.register(entry);
            if (candidate instanceof SocketPipe pipe) {
                EventLoop loop = driven;
                if (loop == null) {
                    loop = EventLoop.driven();
                    driven = loop;
                }
                if (pipe.joinPoller(loop)) {
                    entry.moved = pipe;
                }
            }
            if (entry.moved == null) {
                // Not read by this poller's thread (a wrapper, or a pipe another poller reads): whoever reads it
                // only while asked is asked for as long as this poller holds it.
                entry.awaits = true;
                readiness.awaited(true);
            }
        }
        entry.wake();
    }

    /**
     * Removes a candidate: later polls no longer return it. Closing the candidate is the
     * caller's business.
     *
     * @param candidate what to remove
     * @return whether it was in this poller
     */
    public boolean remove(Selectable candidate) {
        Objects.requireNonNull(candidate, "candidate");
        Entry entry;
        synchronized (lock) {
            entry = entries.remove(candidate);
        }
        if (entry == null) {
            return false;
        }
        entry.leave();
        return true;
    }

    /**
     * @return how many candidates this poller holds
     */
    public int size() {
        synchronized (lock) {
            return entries.size();
        }
    }

    /**
     * Waits until at least one candidate is ready, and returns the ready ones without consuming
     * anything.
     *
     * @param timeout how long to wait at most; zero checks without waiting
     * @return the ready candidates, each once, or an empty list after the timeout
     * @throws IllegalStateException when another thread is polling
     * @throws PipeClosedException when this poller is closed, also while this call waits
     * @throws PipeException when the waiting thread is interrupted (its interrupt flag stays set)
     */
    public List<Selectable> poll(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Deadline deadline = Deadline.after(timeout);
        Thread self = Thread.currentThread();
        Thread other = polling.compareAndExchange(null, self);
        if (other != null) {
            throw new IllegalStateException("another thread (" + other.getName() + ") is polling this poller;"
                    + " one thread polls at a time");
        }
        try {
            boolean drove = false;
            while (true) {
                checkOpen();
                // Reset before checking: a signal that lands after a check then wakes the wait below.
                woken = false;
                EventLoop loop = driven;
                List<Selectable> ready = collectReady();
                if (!ready.isEmpty() && loop != null && !drove) {
                    // Ready already (left unread last time, or signalled by another thread): what has
                    // arrived on the sockets is read too, so that they are not held back behind these.
                    loop.drive(0, () -> true);
                    drove = true;
                    ready = collectReady();
                }
                if (!ready.isEmpty()) {
                    return ready;
                }
                if (loop != null) {
                    long remaining = deadline.remainingNanos();
                    if (remaining <= 0 && drove) {
                        return List.of();
                    }
                    drove = true;
                    // Reads the socket pipes on this thread into their queues; their signals end the wait.
                    loop.drive(remaining, () -> woken || closed);
                    if (Thread.interrupted()) {
                        self.interrupt();
                        throw new PipeException("a poll over " + size() + " candidates was interrupted",
                                new InterruptedException());
                    }
                    continue;
                }
                while (!woken) {
                    checkOpen();
                    long remaining = deadline.remainingNanos();
                    if (remaining <= 0) {
                        return List.of();
                    }
                    if (remaining == Long.MAX_VALUE) {
                        LockSupport.park(this);
                    } else {
                        LockSupport.parkNanos(this, remaining);
                    }
                    if (Thread.interrupted()) {
                        self.interrupt();
                        throw new PipeException("a poll over " + size() + " candidates was interrupted",
                                new InterruptedException());
                    }
                }
            }
        } finally {
            polling.set(null);
        }
    }

    /**
     * Removes every candidate and wakes a thread blocked in {@link #poll}, which then throws
     * {@link PipeClosedException}. The candidates themselves stay open. Closing twice does nothing.
     */
    @Override
    public void close() {
        List<Entry> removed;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            removed = new ArrayList<>(entries.values());
            entries.clear();
        }
        for (Entry entry : removed) {
            entry.leave();
        }
        EventLoop loop = driven;
        if (loop != null) {
            // After the pipes were sent home: the loop runs that first, then lets its selector go.
            loop.close();
        }
        wakePoller();
    }

    private List<Selectable> collectReady() {
        long thisRound = ++round;
        List<Entry> ready = spare;
        for (Entry entry : returned) {
            check(entry, thisRound, ready);
        }
        returned.clear();
        spare = returned;
        returned = ready;
        Entry entry;
        while ((entry = signalled.poll()) != null) {
            // Cleared before the check: a signal after it queues the entry again, so none is lost.
            entry.unqueue();
            check(entry, thisRound, ready);
        }
        for (int i = 0; i < signalledHere.size(); i++) {
            entry = signalledHere.get(i);
            entry.unqueue();
            check(entry, thisRound, ready);
        }
        signalledHere.clear();
        List<Selectable> selectables = new ArrayList<>(ready.size());
        for (Entry each : ready) {
            selectables.add(each.candidate);
        }
        return selectables;
    }

    private static void check(Entry entry, long round, List<Entry> ready) {
        // A candidate found not ready among those returned last time may have signalled since: it is
        // checked again when its signal is taken, and only a ready one is kept from a second check.
        if (entry.removed || entry.readyInRound == round) {
            return;
        }
        if (entry.readiness.isReady()) {
            entry.readyInRound = round;
            ready.add(entry);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new PipeClosedException("this poller is closed");
        }
    }

    private void wakePoller() {
        woken = true;
        EventLoop loop = driven;
        if (loop != null) {
            // The polling thread's own reads signal too: those wake nothing.
            loop.wakeup();
        }
        Thread thread = polling.get();
        if (thread != null && thread != Thread.currentThread()) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * @param candidate a candidate of this poller
     * @return whether the polling thread reads it itself now, for tests
     */
    boolean readsItself(Selectable candidate) {
        EventLoop loop = driven;
        return loop != null && candidate instanceof SocketPipe pipe && pipe.isOwnedBy(loop);
    }

    /**
     * @return whether the selector the polling thread reads its pipes with is open, for tests
     */
    boolean holdsASelector() {
        EventLoop loop = driven;
        return loop != null && loop.isOpen();
    }

    /**
     * @return whether a thread is in {@link #poll} now, for tests that must know a poll waits
     */
    boolean isPolling() {
        return polling.get() != null;
    }

    @Override
    public String toString() {
        return "Poller[" + size() + " candidates" + (closed ? ", closed]" : "]");
    }

    /** One candidate's registration, which its readiness signals. */
    private final class Entry implements Readiness.Listener {

        final Selectable candidate;

        final Readiness readiness;

        /**
         * 1 while it waits in {@link #signalled} or {@link #signalledHere}: each entry is queued at most once. A field
         * rather than an AtomicBoolean, so that a signal touches one object less.
         */
        volatile int queued;

        volatile boolean removed;

        /** The socket pipe this poller's thread reads itself, or null for a candidate that signals. */
        @Nullable SocketPipe moved;

        /** Whether this poller told the readiness it waits on it ({@link Readiness#awaited}), to be told the end. */
        boolean awaits;

        /** The last poll that found it ready; read and written by the polling thread only. */
        long readyInRound;

        Entry(Selectable candidate, Readiness readiness) {
            this.candidate = candidate;
            this.readiness = readiness;
        }

        /** Out of the poller: not returned, not signalled, and a socket pipe goes back to its event loop. */
        void leave() {
            removed = true;
            readiness.unregister(this);
            SocketPipe pipe = moved;
            EventLoop loop = driven;
            if (pipe != null && loop != null) {
                pipe.leavePoller(loop);
            }
            if (awaits) {
                readiness.awaited(false);
            }
        }

        void unqueue() {
            queued = 0;
        }

        @Override
        public void wake() {
            if (removed) {
                return;
            }
            // The polling thread signals while it reads its socket pipes, and looks at what is ready right after.
            boolean fromPoll = polling.get() == Thread.currentThread();
            if (QUEUED.compareAndSet(this, 0, 1)) {
                if (fromPoll) {
                    signalledHere.add(this);
                } else {
                    signalled.add(this);
                }
            }
            if (!fromPoll) {
                wakePoller();
            }
        }
    }
}
