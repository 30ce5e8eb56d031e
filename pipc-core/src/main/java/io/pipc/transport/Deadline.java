package io.pipc.transport;

import java.time.Duration;

/**
 * A point in time after which a bounded wait gives up, on the monotonic clock. Durations too
 * long to count in nanoseconds (such as {@code ChronoUnit.FOREVER}) wait for ever.
 */
public final class Deadline {

    private static final long FOREVER = Long.MAX_VALUE;

    private final long deadlineNanos;
    private final boolean forever;

    private Deadline(long deadlineNanos, boolean forever) {
        this.deadlineNanos = deadlineNanos;
        this.forever = forever;
    }

    /**
     * @param timeout how long from now; not negative
     * @return the deadline
     */
    public static Deadline after(Duration timeout) {
        long nanos = toNanos(timeout);
        if (nanos == FOREVER) {
            return new Deadline(0, true);
        }
        return new Deadline(System.nanoTime() + nanos, false);
    }

    /**
     * @param timeout a duration, not negative
     * @return its length in nanoseconds, or {@link Long#MAX_VALUE} when that does not fit or
     *         would overflow the clock
     */
    public static long toNanos(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative (was " + timeout + ")");
        }
        // Leave headroom so that nanoTime() + nanos cannot overflow.
        if (timeout.compareTo(Duration.ofDays(365L * 100)) > 0) {
            return FOREVER;
        }
        return timeout.toNanos();
    }

    /**
     * @return nanoseconds left, 0 when expired, {@link Long#MAX_VALUE} for a wait without end
     */
    public long remainingNanos() {
        if (forever) {
            return FOREVER;
        }
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    /**
     * @return whether the deadline has passed
     */
    public boolean isExpired() {
        return !forever && deadlineNanos - System.nanoTime() <= 0;
    }
}
