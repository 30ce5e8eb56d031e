package io.pipc.transport;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One daemon thread for the whole JVM that runs the periodic checks of pipes whose I/O
 * threads block in system calls and so cannot watch the clock themselves: heartbeats, silent
 * peers, frames that stall half-way.
 */
public final class Watchdog {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "pipc-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private Watchdog() {
    }

    /**
     * @param check what to run; must be quick and never block
     * @param period how often
     * @return a handle to cancel the check with
     */
    public static ScheduledFuture<?> every(Duration period, Runnable check) {
        long nanos = Math.max(period.toNanos(), TimeUnit.MILLISECONDS.toNanos(10));
        return TIMER.scheduleAtFixedRate(() -> {
            try {
                check.run();
            } catch (RuntimeException e) {
                log.warn("a pipe check failed", e);
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * @param delay how long from now
     * @param action what to run once; must be quick and never block
     * @return a handle to cancel it with
     */
    public static ScheduledFuture<?> after(Duration delay, Runnable action) {
        return TIMER.schedule(() -> {
            try {
                action.run();
            } catch (RuntimeException e) {
                log.warn("a delayed pipe action failed", e);
            }
        }, Math.min(Deadline.toNanos(delay), TimeUnit.DAYS.toNanos(365)), TimeUnit.NANOSECONDS);
    }
}
