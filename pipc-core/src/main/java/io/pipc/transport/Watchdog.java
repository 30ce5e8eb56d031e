package io.pipc.transport;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that runs the periodic checks of pipes whose I/O threads block in system calls
 * and so cannot watch the clock themselves: heartbeats, silent peers, frames that stall
 * half-way, write timeouts. It exists while some pipe {@linkplain #acquire holds} it, one per
 * {@link ThreadFactory}.
 */
public final class Watchdog {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    private static final SharedThreads<Watchdog> SHARED = new SharedThreads<>(Watchdog::new, Watchdog::stop);

    private final ScheduledThreadPoolExecutor timer;

    private Watchdog(@Nullable ThreadFactory factory) {
        this.timer = new ScheduledThreadPoolExecutor(1, task -> ThreadSource.newThread(factory, "pipc-watchdog", task));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    /**
     * @param factory where its thread comes from, or null for pipc's own daemon thread
     * @return a hold on the watchdog of that factory; release it when the pipe is let go
     */
    public static SharedThreads.Lease<Watchdog> acquire(@Nullable ThreadFactory factory) {
        return SHARED.acquire(factory);
    }

    /**
     * @return how many pipes hold a watchdog now; for tests
     */
    static int holders() {
        return SHARED.holders();
    }

    private void stop() {
        timer.shutdownNow();
    }

    /**
     * @param check what to run; must be quick and never block
     * @param period how often
     * @return a handle to cancel the check with
     */
    public Future<?> every(Duration period, Runnable check) {
        long nanos = Math.max(period.toNanos(), TimeUnit.MILLISECONDS.toNanos(10));
        try {
            return timer.scheduleAtFixedRate(() -> guarded("a pipe check", check), nanos, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return stopped();
        }
    }

    /**
     * @param delay how long from now
     * @param action what to run once; must be quick and never block
     * @return a handle to cancel it with
     */
    public Future<?> after(Duration delay, Runnable action) {
        try {
            return timer.schedule(() -> guarded("a delayed pipe action", action),
                    Math.min(Deadline.toNanos(delay), TimeUnit.DAYS.toNanos(365)), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return stopped();
        }
    }

    /** Nothing runs on a watchdog whose last pipe let go of it; a late caller's pipe is released already. */
    private static Future<?> stopped() {
        return CompletableFuture.completedFuture(null);
    }

    private static void guarded(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("{} failed", what, e);
        }
    }
}
