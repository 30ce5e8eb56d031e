package io.pipc.transport.socket;

import java.util.concurrent.ThreadFactory;

import io.pipc.transport.SharedThreads;

import org.jspecify.annotations.Nullable;

/**
 * The event loops that serve every socket made with one thread factory: up to one per core,
 * four at most, each started when first needed, all ended when the last socket that
 * {@linkplain #acquire held} them lets go.
 */
public final class EventLoopGroup {

    private static final int SIZE = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private static final SharedThreads<EventLoopGroup> SHARED = new SharedThreads<>(EventLoopGroup::new,
            EventLoopGroup::shutdown);

    private final @Nullable ThreadFactory factory;
    private final EventLoop[] loops = new EventLoop[SIZE];
    private int next;

    private EventLoopGroup(@Nullable ThreadFactory factory) {
        this.factory = factory;
    }

    /**
     * @param factory where the loops' threads come from, or null for pipc's own daemon threads
     * @return a hold on that factory's loops; release it once the socket is closed, on its loop
     */
    public static SharedThreads.Lease<EventLoopGroup> acquire(@Nullable ThreadFactory factory) {
        return SHARED.acquire(factory);
    }

    /**
     * @param lease a hold on a group, just acquired
     * @return the group's next loop; when none can be started (no selector, no thread from the
     *         factory) the hold is released before the failure is thrown, so the group's threads
     *         still end with the last socket
     */
    public static EventLoop nextOf(SharedThreads.Lease<EventLoopGroup> lease) {
        try {
            return lease.get().next();
        } catch (RuntimeException | Error e) {
            lease.release();
            throw e;
        }
    }

    /**
     * @return how many sockets hold event loops now, over every factory; for tests
     */
    static int holders() {
        return SHARED.holders();
    }

    /**
     * @return a loop for a new connection or server, in turn
     */
    public synchronized EventLoop next() {
        int index = next;
        next = (next + 1) % SIZE;
        if (loops[index] == null) {
            loops[index] = new EventLoop(factory, index);
        }
        return loops[index];
    }

    private synchronized void shutdown() {
        for (EventLoop loop : loops) {
            if (loop != null) {
                loop.shutdown();
            }
        }
    }
}
