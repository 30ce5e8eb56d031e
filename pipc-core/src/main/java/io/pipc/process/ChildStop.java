package io.pipc.process;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.pipc.transport.Deadline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a child whose pipe has been closed, in three steps: it may exit on its own within a
 * grace period (a pipc child sees the end of its pipe and returns); then it is asked to
 * terminate ({@link Process#destroy()}, SIGTERM on POSIX, so a JVM runs its shutdown hooks)
 * and given the grace period again; then it is killed. An interrupted caller kills the child at
 * once rather than leave it behind.
 */
public final class ChildStop {

    private static final Logger log = LoggerFactory.getLogger(ChildStop.class);

    /** How long a killed child may take to be reaped before giving up on it with a warning. */
    private static final Duration REAP = Duration.ofSeconds(10);

    private ChildStop() {
    }

    /**
     * @param process the child
     * @param gracePeriod how long each of the first two steps waits
     * @param description the child, for logs
     */
    public static void stop(Process process, Duration gracePeriod, String description) {
        try {
            if (exits(process, gracePeriod)) {
                return;
            }
            log.info("{} did not exit within {} after its pipe closed; asking it to terminate", description, gracePeriod);
            process.destroy();
            if (exits(process, gracePeriod)) {
                return;
            }
            log.warn("{} did not terminate within {}; killing it", description, gracePeriod);
            process.destroyForcibly();
            if (!exits(process, REAP)) {
                log.warn("{} was killed but has not exited after {}", description, REAP);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static boolean exits(Process process, Duration timeout) throws InterruptedException {
        return process.waitFor(Deadline.toNanos(timeout), TimeUnit.NANOSECONDS);
    }
}
