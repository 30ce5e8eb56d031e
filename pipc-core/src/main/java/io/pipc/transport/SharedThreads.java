package io.pipc.transport;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * Threads that pipc runs for many pipes at once (the event loops, the watchdog), one set per
 * {@link ThreadFactory}, which exist only while some pipe or server holds them: the first
 * {@link #acquire} starts them, the last {@link Lease#release()} ends them. So a JVM whose pipes
 * are all closed runs no thread of pipc's, and an application that hands pipc its own factory
 * (Spring's, virtual threads) gets every thread pipc runs for those pipes from it.
 *
 * @param <T> what runs the threads
 */
public final class SharedThreads<T> {

    /** Stands for "no factory given": pipc's own daemon threads. */
    private static final Object OWN_THREADS = new Object();

    private final Function<@Nullable ThreadFactory, T> start;
    private final Consumer<T> stop;
    private final Map<Object, Holding<T>> holdings = new HashMap<>();

    /**
     * @param start makes and starts what runs the threads, with the factory to take them from
     *        (null: pipc's own); called under this object's lock, so it must not block
     * @param stop ends it once nobody holds it any more; called outside the lock
     */
    public SharedThreads(Function<@Nullable ThreadFactory, T> start, Consumer<T> stop) {
        this.start = start;
        this.stop = stop;
    }

    /**
     * @param factory where the threads come from, or null for pipc's own daemon threads
     * @return a hold on the threads of that factory, started now if nobody held them
     */
    public synchronized Lease<T> acquire(@Nullable ThreadFactory factory) {
        Object key = factory == null ? OWN_THREADS : factory;
        Holding<T> holding = holdings.get(key);
        if (holding == null) {
            holding = new Holding<>(start.apply(factory));
            holdings.put(key, holding);
        }
        holding.holders++;
        return new Lease<>(this, key, holding);
    }

    /**
     * @return how many leases are held now, over every factory; for tests
     */
    public synchronized int holders() {
        int total = 0;
        for (Holding<T> holding : holdings.values()) {
            total += holding.holders;
        }
        return total;
    }

    private void release(Object key, Holding<T> holding) {
        T ended = null;
        synchronized (this) {
            holding.holders--;
            if (holding.holders == 0) {
                holdings.remove(key);
                ended = holding.value;
            }
        }
        if (ended != null) {
            stop.accept(ended);
        }
    }

    private static final class Holding<T> {
        final T value;
        int holders;

        Holding(T value) {
            this.value = value;
        }
    }

    /**
     * One holder's hold on the shared threads.
     *
     * @param <T> what runs the threads
     */
    public static final class Lease<T> {

        private final SharedThreads<T> owner;
        private final Object key;
        private final Holding<T> holding;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(SharedThreads<T> owner, Object key, Holding<T> holding) {
            this.owner = owner;
            this.key = key;
            this.holding = holding;
        }

        /**
         * @return what runs the threads
         */
        public T get() {
            return holding.value;
        }

        /** Lets go of the threads, once; the last holder's release ends them. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                owner.release(key, holding);
            }
        }
    }
}
