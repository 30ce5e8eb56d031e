package io.pipc.integration;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.backoff.BackOffExecution;

/**
 * Keeps a {@link SharedPipe} connected, on a thread of its own: opens the pipe, with backoff
 * between failed attempts, hands each open pipe to the shared pipe, and opens it again each
 * time the shared pipe says its peer went away. Attempts go on until {@link #stop() stopped} or
 * the backoff says stop.
 */
final class PipeConnector {

    private static final Logger logger = LoggerFactory.getLogger(PipeConnector.class);

    /** How long a stop waits for an attempt under way to end; attempts end at an interrupt, well within it. */
    private static final long STOP_PATIENCE_MILLIS = 10_000;

    private final SharedPipe pipe;

    private final Reconnection reconnection;

    private final Thread thread;

    /** One permit each time the peer of the pipe handed over went away. */
    private final Semaphore lost = new Semaphore(0);

    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile int attempts;

    private volatile @Nullable Throwable lastFailure;

    PipeConnector(SharedPipe pipe, Reconnection reconnection) {
        this.pipe = pipe;
        this.reconnection = reconnection;
        this.thread = PipcThreads.newThread("pipc-connect-" + pipe.name(), true, this::run);
    }

    void start() {
        this.thread.start();
    }

    /** The peer of the pipe handed over went away: open it again. Called once per pipe handed over. */
    void peerLost() {
        this.lost.release();
    }

    /** Ends the attempts; a pipe opened after this is closed at once. */
    void stop() {
        this.stopped.countDown();
        this.thread.interrupt();
        if (Thread.currentThread() != this.thread) {
            try {
                // An attempt under way ends at the interrupt; waiting for it means no pipe is opened after close.
                this.thread.join(STOP_PATIENCE_MILLIS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * @return the attempts of the opening under way, or of the last one
     */
    int attempts() {
        return this.attempts;
    }

    /**
     * @return why the last attempt failed, or null when none has
     */
    @Nullable Throwable lastFailure() {
        return this.lastFailure;
    }

    Reconnection reconnection() {
        return this.reconnection;
    }

    private boolean isStopped() {
        return this.stopped.getCount() == 0;
    }

    private void run() {
        boolean reconnecting = false;
        while (!isStopped()) {
            Pipe open = openWithBackOff();
            if (open == null) {
                return;
            }
            if (!this.pipe.connected(open, reconnecting, this.attempts)) {
                return;
            }
            reconnecting = true;
            try {
                this.lost.acquire();
            }
            catch (InterruptedException ex) {
                return;
            }
        }
    }

    private @Nullable Pipe openWithBackOff() {
        BackOffExecution backOff = this.reconnection.backOff().start();
        this.attempts = 0;
        while (!isStopped()) {
            this.attempts++;
            try {
                Pipe open = this.reconnection.opener().open();
                if (isStopped()) {
                    open.close();
                    return null;
                }
                return open;
            }
            catch (RuntimeException ex) {
                if (isStopped()) {
                    return null;
                }
                this.lastFailure = ex;
                long wait = backOff.nextBackOff();
                if (this.attempts == 1) {
                    logger.info("pipe '{}': {} is not there yet ({}); trying again", this.pipe.name(),
                            this.reconnection.peer(), ex.getMessage());
                }
                else {
                    logger.debug("pipe '{}': attempt {} to open {} failed: {}", this.pipe.name(), this.attempts,
                            this.reconnection.peer(), ex.toString());
                }
                if (wait == BackOffExecution.STOP) {
                    this.pipe.gaveUp(ex, this.attempts);
                    return null;
                }
                try {
                    if (this.stopped.await(wait, TimeUnit.MILLISECONDS)) {
                        return null;
                    }
                }
                catch (InterruptedException interrupted) {
                    return null;
                }
            }
        }
        return null;
    }
}
