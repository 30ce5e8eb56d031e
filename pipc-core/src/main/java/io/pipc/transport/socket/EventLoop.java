package io.pipc.transport.socket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ThreadFactory;

import io.pipc.transport.ThreadSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread with one {@link Selector}: it accepts, connects, reads, writes when a socket has
 * room again, and ticks every {@value #TICK_MILLIS} ms so that connections check their
 * deadlines. A small set of loops ({@link EventLoopGroup}) serves every socket made with one
 * thread factory; the loops exist while some socket holds them. After a wait that found
 * connections ready, the loop yields its core and looks once more, without waiting, before it
 * waits again: on a busy server the next requests and replies come while it yields, and a loop
 * that slept at once was woken again for each round.
 *
 * <p>A connection's state belongs to its loop: other threads hand the loop work with
 * {@link #execute}, and code that may only run there checks {@link #inEventLoop()}. The selector
 * is woken only when it sleeps, never once per task.
 *
 * <p>A {@linkplain #driven() driven} loop has no thread of its own: a {@link io.pipc.Poller}
 * runs its rounds from {@link #drive}, on the thread that polls, so that thread reads its
 * connections itself. Whoever holds its driving lock is the loop's thread for that time: the
 * polling thread while it polls, else any thread that hands it work, which then runs that work
 * at once (nobody else would run it before the next poll).
 */
public final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    static final int TICK_MILLIS = 50;
    private static final int READ_BUFFER_SIZE = 64 * 1024;

    /** Something registered with a loop: told when its channel is ready, and on every tick. */
    public interface Handler {
        /**
         * @param key the key, with its ready operations
         */
        void ready(SelectionKey key);

        /**
         * @param nowNanos the loop's clock
         */
        void tick(long nowNanos);
    }

    private final Selector selector;
    /** Whether the loop's last wait found connections ready; on the loop thread only. */
    private boolean busyLast;
    /** The loop's own thread, or null for a driven loop. */
    private final @Nullable Thread thread;
    /** A driven loop's: held by whoever runs it now. */
    private final ReentrantLock driving = new ReentrantLock();
    /** A driven loop's: whether a thread is in {@link #drive}. */
    private volatile boolean beingDriven;
    /** A driven loop's: when a thread last stopped driving it, so that a tick knows when its pipes were last read. */
    private volatile long lastDriveEndedNanos;
    /** A driven loop's, under its lock: whether a key was cancelled since its selector last selected. */
    private boolean cancelled;
    /** Loop only: when the handlers are next ticked. */
    private long nextTick = System.nanoTime() + TICK_MILLIS * 1_000_000L;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** A driven loop's work for after its next select: the tasks that others run at once are not for that. */
    private final ConcurrentLinkedQueue<Runnable> later = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean awake = new AtomicBoolean(true);
    /** Set once by {@link #shutdown()}: the loop ends after the work already handed to it. */
    private volatile boolean stopping;
    private final List<Handler> handlers = new ArrayList<>();
    /** Loop only: what waits for the selector to let go of the channels closed so far. */
    private List<Runnable> afterDeregistration = new ArrayList<>();
    /** Shared by every connection of this loop: reads decode everything they read at once. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);

    /**
     * Opens the selector and starts the thread.
     *
     * @param factory where the thread comes from, or null for pipc's own daemon thread
     * @param index the loop's number in its group, for its name
     */
    EventLoop(@Nullable ThreadFactory factory, int index) {
        this.selector = openSelector();
        try {
            this.thread = ThreadSource.newThread(factory, "pipc-loop-" + index, this);
            thread.start();
        } catch (RuntimeException | Error e) {
            try {
                selector.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private EventLoop() {
        this.selector = openSelector();
        this.thread = null;
    }

    private static Selector openSelector() {
        try {
            return Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the pipc event loop", e);
        }
    }

    /**
     * @return a loop with no thread of its own, run by whoever calls {@link #drive}
     */
    public static EventLoop driven() {
        return new EventLoop();
    }

    /**
     * @return whether the calling thread is this loop's: the only thread that may touch the
     *         state of the connections it serves
     */
    public boolean inEventLoop() {
        return thread != null ? Thread.currentThread() == thread : driving.isHeldByCurrentThread();
    }

    /**
     * @return whether this loop is a driven one, with no thread of its own
     */
    boolean isDriven() {
        return thread == null;
    }

    /**
     * Ends the loop once it has run the work already handed to it; called when nothing holds
     * it any more. Work handed to it later is dropped: it can only come from a connection that
     * is gone.
     */
    void shutdown() {
        stopping = true;
        if (!inEventLoop()) {
            selector.wakeup();
        }
    }

    /**
     * Closes a driven loop's selector once the work handed to it so far has run: at once when
     * nobody drives it, else when its driver stops. Work handed to it later still runs, on the
     * thread that hands it (it can only send a connection elsewhere).
     */
    public void close() {
        assert thread == null : "only a driven loop is closed by its user";
        stopping = true;
        if (driving.tryLock()) {
            try {
                endDriven();
            } finally {
                letGo();
            }
        } else {
            // Its holder looks at stopping once it lets go (see letGo).
            wakeup();
        }
    }

    /**
     * @return whether this loop's selector is open: a driven loop's closes with its poller; for tests
     */
    public boolean isOpen() {
        return selector.isOpen();
    }

    /**
     * Wakes the loop's selector if it sleeps; a loop's own thread never wakes it.
     */
    public void wakeup() {
        if (!inEventLoop() && !awake.getAndSet(true) && selector.isOpen()) {
            selector.wakeup();
        }
    }

    /**
     * @return whether the loop's thread has ended; for tests
     */
    boolean hasEnded() {
        return thread != null && !thread.isAlive();
    }

    /**
     * Runs {@code task} on the loop: at once when called from it, else soon.
     *
     * @param task what to run; must not block
     */
    public void execute(Runnable task) {
        if (inEventLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        if (thread == null) {
            runOrWake();
        } else if (!awake.getAndSet(true) && selector.isOpen()) {
            selector.wakeup();
        }
    }

    /**
     * A driven loop's work, handed from a thread that does not drive it: run at once when nobody
     * drives the loop (else it would wait for the next poll), or by its driver, woken.
     */
    private void runOrWake() {
        if (!driving.tryLock()) {
            // The holder runs it: it looks at the tasks again after it lets go (see letGo).
            wakeup();
            return;
        }
        try {
            runTasks();
            deregisterCancelled();
        } finally {
            letGo();
        }
    }

    /**
     * Cancels a key of this loop's selector; on the loop only. A cancelled channel stays
     * registered (a closed socket keeps its descriptor) until the selector's next select: a
     * driven loop held by a thread that does not poll makes that select itself (see
     * {@link #deregisterCancelled}), rather than wait for the next poll, which may never come.
     *
     * @param key a key of this loop's selector
     */
    public void cancel(SelectionKey key) {
        assert inEventLoop() : "a key cancelled off the loop";
        key.cancel();
        if (thread == null) {
            cancelled = true;
        }
    }

    /**
     * A driven loop's holder that does not poll now: lets the selector drop the channels
     * cancelled since its last select, and runs what waited for that (a registration retried
     * after a cancelled key, the close of a released socket). Keys found ready are left to the
     * next poll: the selector is level-triggered, so its select finds them ready again.
     */
    private void deregisterCancelled() {
        if (!cancelled || beingDriven || !selector.isOpen()) {
            return;
        }
        cancelled = false;
        try {
            selector.selectNow(key -> { });
        } catch (IOException e) {
            log.debug("pipc event loop {}: a select to let go of cancelled channels failed: {}", name(), e.getMessage());
        }
        runAfterDeregistration();
        for (int n = later.size(); n > 0; n--) {
            tasks.add(later.remove());
        }
    }

    /**
     * Releases a driven loop's lock, then sees to what was handed to the loop while it was held but
     * after the holder's last look: the tasks, and a close. Whoever hands work over adds it first
     * and tries the lock second, and every holder lets go here, so one of the two always sees it.
     */
    private void letGo() {
        driving.unlock();
        while (!tasks.isEmpty() || (stopping && selector.isOpen())) {
            if (!driving.tryLock()) {
                wakeup();
                return;
            }
            try {
                runTasks();
                deregisterCancelled();
                if (stopping) {
                    endDriven();
                }
            } finally {
                driving.unlock();
            }
        }
    }

    /**
     * Runs {@code task} on the loop after what it is doing now, even when called from the loop:
     * for work that would otherwise recurse, such as reading again what a layer still holds.
     *
     * @param task what to run; must not block
     */
    public void executeLater(Runnable task) {
        if (thread == null) {
            // After the next select, which is also what a cancelled key waits for.
            later.add(task);
            wakeup();
            return;
        }
        tasks.add(task);
        if (!inEventLoop() && !awake.getAndSet(true) && selector.isOpen()) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop as a task of its own, after the one running now and never
     * inside it, also when called from the loop: for work that changes who owns a connection,
     * which must not happen in the middle of an operation whose rest runs on the owner.
     *
     * @param task what to run; must not block
     */
    public void executeNext(Runnable task) {
        tasks.add(task);
        if (thread == null) {
            if (!inEventLoop()) {
                runOrWake();
            }
            // Else the holder runs it before it lets go, or right after (see letGo).
        } else if (!inEventLoop() && !awake.getAndSet(true) && selector.isOpen()) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop once its selector has let go of every channel whose key was
     * cancelled so far; on the loop thread only. A registered channel keeps its descriptor (a
     * listener its port, a socket its connection) after {@code close()} until the selector's next
     * round deregisters it: whoever must know it is really gone hears so from here.
     *
     * @param task what to run; must not block
     */
    public void afterDeregistration(Runnable task) {
        assert inEventLoop() : "deregistration awaited off the loop";
        afterDeregistration.add(task);
    }

    /**
     * Registers a channel; on the loop thread only.
     *
     * @param channel a non-blocking channel
     * @param ops the interest set
     * @param handler told when it is ready
     * @return the key
     * @throws IOException when the channel is closed
     */
    public SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws IOException {
        SelectionKey key = watch(channel, ops, handler);
        handlers.add(handler);
        return key;
    }

    /**
     * Registers a channel without ticking its handler, which another loop ticks; on the loop
     * thread only.
     *
     * @param channel a non-blocking channel
     * @param ops the interest set
     * @param handler told when it is ready
     * @return the key
     * @throws IOException when the channel is closed
     */
    SelectionKey watch(SelectableChannel channel, int ops, Handler handler) throws IOException {
        assert inEventLoop() : "registered off the loop";
        return channel.register(selector, ops, handler);
    }

    /**
     * @return whether a driven loop runs in a {@link #drive} now, so that its connections are read
     */
    boolean isBeingDriven() {
        return beingDriven;
    }

    /**
     * Stops ticking a handler; on the loop thread only. Its key should be cancelled by its owner.
     *
     * @param handler the handler
     */
    public void forget(Handler handler) {
        assert inEventLoop() : "forgotten off the loop";
        handlers.remove(handler);
    }

    /**
     * @return the buffer a read on this loop may use; on the loop thread only, emptied by the reader
     */
    ByteBuffer readBuffer() {
        assert inEventLoop() : "the loop's read buffer used off the loop";
        return readBuffer;
    }

    @Override
    public void run() {
        while (true) {
            try {
                awake.set(false);
                if (tasks.isEmpty() && afterDeregistration.isEmpty()) {
                    int found = 0;
                    if (busyLast) {
                        // After a round with work, more is likely on its way (a reply from a thread
                        // this round woke, the next request of a busy client): give the core to the
                        // threads that make it, then look once more before going to sleep, so that
                        // a busy loop is not put to sleep and woken again for each round.
                        Thread.yield();
                        found = selector.selectNow(this::ready);
                    }
                    // A wake-up meanwhile (work handed over, a shutdown) was spent by that select:
                    // the loop must not sleep past what it was woken for.
                    if (found == 0 && tasks.isEmpty() && !awake.get() && !stopping) {
                        long wait = Math.max(1, (nextTick - System.nanoTime()) / 1_000_000L);
                        found = selector.select(this::ready, wait);
                    }
                    busyLast = found > 0;
                } else {
                    selector.selectNow(this::ready);
                }
                awake.set(true);
                round();
                if (stopping && tasks.isEmpty() && afterDeregistration.isEmpty()) {
                    end();
                    return;
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // One connection's failure must never stop the loop that serves the others.
                log.error("pipc event loop {}: unexpected failure, carrying on", name(), e);
            }
        }
    }

    /**
     * Runs one round of a driven loop on the calling thread: waits for its connections at most
     * {@code timeoutNanos} (less when a tick is due), reads, writes and runs what was handed to
     * it. The wait ends early when {@link #wakeup()} is called, and is skipped when
     * {@code wakeupPending} says so after the loop went to sleep.
     *
     * @param timeoutNanos how long to wait at most; zero does not wait
     * @param wakeupPending whether something the caller waits for has happened already
     */
    public void drive(long timeoutNanos, BooleanSupplier wakeupPending) {
        assert thread == null : "a loop with its own thread driven from outside";
        driving.lock();
        beingDriven = true;
        try {
            if (!selector.isOpen()) {
                runTasks();
                return;
            }
            awake.set(false);
            // Checked after going to sleep: a wake-up from now on interrupts the select below.
            if (timeoutNanos <= 0 || wakeupPending.getAsBoolean() || !tasks.isEmpty() || !later.isEmpty()
                    || !afterDeregistration.isEmpty()) {
                selector.selectNow(this::ready);
            } else {
                // No tick of its own to wake for: the connections' home loops tick them, waking this one when due.
                selector.select(this::ready, timeoutNanos == Long.MAX_VALUE ? 0 : Math.max(1, (timeoutNanos + 999_999) / 1_000_000L));
            }
            awake.set(true);
            cancelled = false;
            for (int n = later.size(); n > 0; n--) {
                tasks.add(later.remove());
            }
            round();
            if (stopping) {
                endDriven();
            }
        } catch (ClosedSelectorException e) {
            runTasks();
        } catch (IOException | RuntimeException e) {
            log.error("pipc event loop {}: unexpected failure, carrying on", name(), e);
        } finally {
            awake.set(true);
            beingDriven = false;
            lastDriveEndedNanos = System.nanoTime();
            try {
                // A connection released in this round lets go of its socket now, not at the next poll.
                deregisterCancelled();
            } finally {
                letGo();
            }
        }
    }

    /**
     * @return a driven loop's clock when a thread last stopped driving it (its connections were
     *         read until then), or 0 if none has yet
     */
    long lastDriveEnded() {
        return lastDriveEndedNanos;
    }

    /**
     * A key the select found ready, handed over by the select itself: with no selected-key set
     * to add it to and take it from again, a ready connection costs only its handler.
     */
    private void ready(SelectionKey key) {
        if (key.isValid()) {
            Handler handler = (Handler) key.attachment();
            try {
                handler.ready(key);
            } catch (RuntimeException e) {
                log.error("pipc event loop {}: a connection failed unexpectedly", name(), e);
            }
        }
    }

    /** The rest of a round, after the select handed over the ready keys: the tasks queued so far, the tick when due. */
    private void round() {
        runAfterDeregistration();
        runTasks();
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
            nextTick = now + TICK_MILLIS * 1_000_000L;
            for (Handler handler : List.copyOf(handlers)) {
                try {
                    handler.tick(now);
                } catch (RuntimeException e) {
                    log.error("pipc event loop {}: a connection's deadline check failed", name(), e);
                }
            }
        }
    }

    /** Only the tasks queued so far: one that queues itself again waits for the next round. */
    private void runTasks() {
        for (int n = tasks.size(); n > 0; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("pipc event loop {}: a task failed unexpectedly", name(), e);
            }
        }
    }

    private void endDriven() {
        runTasks();
        runAfterDeregistration();
        end();
    }

    private String name() {
        return thread != null ? thread.getName() : "driven by a poller";
    }

    /** The select that just returned deregistered the keys cancelled before it. */
    private void runAfterDeregistration() {
        if (afterDeregistration.isEmpty()) {
            return;
        }
        List<Runnable> due = afterDeregistration;
        afterDeregistration = new ArrayList<>();
        for (Runnable task : due) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("pipc event loop {}: a task failed unexpectedly", name(), e);
            }
        }
    }

    private void end() {
        if (!handlers.isEmpty()) {
            log.warn("pipc event loop {} ends with {} connections still registered", name(), handlers.size());
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("pipc event loop {}: closing its selector failed: {}", name(), e.getMessage());
        }
    }
}
