package io.pipc.transport;

import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Logs the connections a server or rendezvous refuses, or that fail, without letting a flood of
 * them flood the log: the first {@value #LOGGED_PER_WINDOW} of every minute one line each, the rest
 * counted and summed up in one warning when the minute is over (at the next refusal or
 * {@linkplain #flush(long) flush} after it). The counting for metrics is the caller's; this is
 * only what a person reads.
 *
 * <p>Thread-safe; the clock is passed in, so that the windows can be tested without waiting.
 */
public final class RefusalLog {

    /** Refusals logged one by one in each window. */
    static final int LOGGED_PER_WINDOW = 10;
    /** The length of a window. */
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final String subject;
    private final LongFunction<String> heldBack;
    private long windowStartNanos;
    private boolean windowOpen;
    private int inWindow;
    private long suppressed;
    private @Nullable String lastSuppressed;

    /**
     * @param log where lines go
     * @param subject who refuses, at the start of the summary: {@code server 'api' on /127.0.0.1:7070}
     */
    public RefusalLog(Logger log, String subject) {
        this(log, subject, (count) -> "refused " + count + " more " + (count == 1 ? "connection" : "connections"));
    }

    /**
     * @param log where lines go
     * @param subject whose connections they are, at the start of the summary: {@code server 'api'}
     * @param heldBack says what was held back, given how many: {@code 3 more client connections failed}
     */
    public RefusalLog(Logger log, String subject, LongFunction<String> heldBack) {
        this.log = log;
        this.subject = subject;
        this.heldBack = heldBack;
    }

    /**
     * @param nowNanos the monotonic clock ({@link System#nanoTime()})
     * @param message the whole line, naming the subject, the peer and why
     */
    public void warn(long nowNanos, String message) {
        if (admit(nowNanos, message)) {
            log.warn(message);
        }
    }

    /**
     * As {@link #warn} for refusals that are no attack by themselves (a handshake cut short).
     *
     * @param nowNanos the monotonic clock
     * @param message the whole line
     */
    public void info(long nowNanos, String message) {
        if (admit(nowNanos, message)) {
            log.info(message);
        }
    }

    /**
     * Writes the summary of a window that is over, if refusals were held back in it.
     *
     * @param nowNanos the monotonic clock
     */
    public void flush(long nowNanos) {
        String summary;
        synchronized (this) {
            if (!windowOpen || nowNanos - windowStartNanos < WINDOW_NANOS) {
                return;
            }
            summary = closeWindow();
        }
        if (summary != null) {
            log.warn(summary);
        }
    }

    /**
     * Writes the summary of the current window now, if refusals were held back in it: for the
     * end of a server or rendezvous, whose last refusals would otherwise never be told.
     */
    public void end() {
        String summary;
        synchronized (this) {
            summary = windowOpen ? closeWindow() : null;
        }
        if (summary != null) {
            log.warn(summary);
        }
    }

    /** @return whether to log this refusal on its own line */
    private boolean admit(long nowNanos, String message) {
        String summary = null;
        boolean logIt;
        synchronized (this) {
            if (windowOpen && nowNanos - windowStartNanos >= WINDOW_NANOS) {
                summary = closeWindow();
            }
            if (!windowOpen) {
                windowOpen = true;
                windowStartNanos = nowNanos;
            }
            logIt = inWindow < LOGGED_PER_WINDOW;
            if (logIt) {
                inWindow++;
            } else {
                suppressed++;
                lastSuppressed = message;
            }
        }
        if (summary != null) {
            log.warn(summary);
        }
        return logIt;
    }

    /** Under the lock: ends the window, and says what it held back, if anything. */
    private @Nullable String closeWindow() {
        String summary = suppressed == 0 ? null
                : subject + ": " + heldBack.apply(suppressed) + " within a minute, not logged one by one;"
                        + " the last: " + lastSuppressed;
        windowOpen = false;
        inWindow = 0;
        suppressed = 0;
        lastSuppressed = null;
        return summary;
    }
}
