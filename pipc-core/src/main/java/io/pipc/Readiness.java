package io.pipc;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Whether a {@link Selectable} is ready, and a way to wake the threads selecting on it.
 *
 * <p>The owner supplies the condition ("a message is queued, or the peer has gone") and calls
 * {@link #signal()} after every change that may have made it true. A {@link Pipes#select}
 * call registers itself, checks the condition of each candidate, and parks until a signal or
 * its timeout: it never polls. A {@link Poller} stays registered between its waits and is told
 * which candidate signalled. A signal with nobody selecting costs one volatile read.
 */
public final class Readiness {

    private final BooleanSupplier condition;
    private static final Listener[] NONE = new Listener[0];

    /**
     * Copied on every change, under {@link #changing}; read without it. An array held here
     * rather than a CopyOnWriteArrayList, so that a signal reaches its waiters through one object less.
     */
    private volatile Listener[] waiters = NONE;

    private final Object changing = new Object();
    private volatile @Nullable Consumer<Boolean> awaitedListener;

    /**
     * @param condition true when the owner is ready; must be cheap, thread-safe and never block
     */
    public Readiness(BooleanSupplier condition) {
        this.condition = Objects.requireNonNull(condition, "condition");
    }

    /**
     * @return whether the owner is ready now
     */
    public boolean isReady() {
        return condition.getAsBoolean();
    }

    /**
     * Wakes every thread selecting on this readiness so that it checks again. Call it after
     * the condition may have become true (a message queued, the peer gone, the owner closed).
     */
    public void signal() {
        for (Listener waiter : waiters) {
            waiter.wake();
        }
    }

    /**
     * For an owner that is read only while someone asks (a socket pipe whose reading a
     * {@link Poller}'s thread has taken over): tells it when a thread begins and ends waiting for
     * this readiness without reading the owner itself (a blocking read, {@link Pipes#select}, a
     * second poller), so that it makes sure it is read meanwhile. Set once, by the owner.
     *
     * @param listener given true when a wait begins and false when it ends; every begin is
     *        followed by one end. It must not block: a poller announces its wait under its own
     *        monitor (a reader and a select announce theirs outside any lock)
     */
    public void whenAwaited(Consumer<Boolean> listener) {
        this.awaitedListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * @return whether the owner listens for waits ({@link #whenAwaited}): else a waiter need not
     *         announce them
     */
    public boolean listensForWaits() {
        return awaitedListener != null;
    }

    /**
     * A thread begins or ends waiting for this readiness; see {@link #whenAwaited}.
     *
     * @param begins whether the wait begins (else it ends)
     */
    public void awaited(boolean begins) {
        Consumer<Boolean> listener = awaitedListener;
        if (listener != null) {
            listener.accept(begins);
        }
    }

    void register(Listener waiter) {
        synchronized (changing) {
            Listener[] now = waiters;
            Listener[] more = Arrays.copyOf(now, now.length + 1);
            more[now.length] = waiter;
            waiters = more;
        }
    }

    void unregister(Listener waiter) {
        synchronized (changing) {
            Listener[] now = waiters;
            for (int i = 0; i < now.length; i++) {
                if (now[i] == waiter) {
                    Listener[] fewer = new Listener[now.length - 1];
                    System.arraycopy(now, 0, fewer, 0, i);
                    System.arraycopy(now, i + 1, fewer, i, now.length - i - 1);
                    waiters = fewer.length == 0 ? NONE : fewer;
                    return;
                }
            }
        }
    }

    /**
     * @return how many selections are registered to be woken: none once every select has returned
     */
    int waiterCount() {
        return waiters.length;
    }

    /** What a signal wakes: a pending select, or a poller's registration. Must never block. */
    interface Listener {

        void wake();
    }

    /** One thread's pending select: woken by the first signal of any candidate. */
    static final class Waiter implements Listener {

        private final Thread thread = Thread.currentThread();
        private volatile boolean woken;

        @Override
        public void wake() {
            woken = true;
            LockSupport.unpark(thread);
        }

        void reset() {
            woken = false;
        }

        boolean isWoken() {
            return woken;
        }
    }
}
