package io.pipc.integration;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.pipc.Envelope;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Readiness;
import io.pipc.Selectable;
import io.pipc.Transport;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one pipe on one thread and hands each message to a consumer, until the pipe ends or
 * the reader is stopped. The consumer runs on the reading thread, so a slow flow slows the
 * reading, the pipe's inbound queue fills, and the peer's writes wait: backpressure reaches
 * the sender instead of the heap.
 *
 * <p>The thread waits with {@link Pipes#select} on the pipe and on a stop signal, so that a
 * stop never interrupts a flow that is handling a message. A {@linkplain #stop graceful stop}
 * hands over every message already queued before the thread ends, up to a deadline; after
 * {@link Pipe#stopReceiving()}, {@link #awaitEnd} hands over everything until the input ends.
 */
final class PipeReader implements InboundReading {

    private static final Logger logger = LoggerFactory.getLogger(PipeReader.class);

    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    private final String description;

    private final Pipe pipe;

    private final Consumer<Envelope> consumer;

    private final EndListener endListener;

    private final CountDownLatch finished = new CountDownLatch(1);

    private final Readiness stopSignal = new Readiness(this::isStopping);

    private final Selectable stopSelectable = () -> this.stopSignal;

    private final Thread thread;

    private volatile boolean stopping;

    private volatile boolean halted;

    /**
     * @param description names the pipe in logs and the thread's name, e.g. "pipe 'orders'"
     * @param threadName the reading thread's name
     * @param pipe the pipe to read; nothing else may read it
     * @param consumer gets every message; an exception it throws is logged and reading goes on
     * @param endListener told once when reading ends
     */
    PipeReader(String description, String threadName, Pipe pipe, Consumer<Envelope> consumer,
            EndListener endListener) {
        this.description = Objects.requireNonNull(description, "description");
        this.pipe = Objects.requireNonNull(pipe, "pipe");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.endListener = Objects.requireNonNull(endListener, "endListener");
        this.thread = PipcThreads.newThread(threadName, true, this::run);
    }

    void start() {
        this.thread.start();
    }

    /**
     * Stops reading once every message queued now has been handed over, or at the deadline,
     * whichever comes first; a message being handled at the deadline is finished, never cut.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up draining
     * @return whether the reader ended with nothing left queued
     */
    @Override
    public boolean stop(long deadlineNanos) {
        requestStop();
        return awaitFinished(deadlineNanos, false);
    }

    /**
     * Waits for the pipe's input to end (after {@link Pipe#stopReceiving()}), handing over every
     * message until then; at the deadline, the reader stops after the message in hand, and what
     * is still queued stays unread.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up
     * @return whether the input ended and every message was handed over in time
     */
    @Override
    public boolean awaitEnd(long deadlineNanos) {
        return awaitFinished(deadlineNanos, true);
    }

    private void requestStop() {
        this.stopping = true;
        this.stopSignal.signal();
    }

    /**
     * @param untilEnd whether the input was to end: then running out of time may leave messages
     *        on their way, not only those queued
     */
    private boolean awaitFinished(long deadlineNanos, boolean untilEnd) {
        if (Thread.currentThread() == this.thread) {
            // Stopped from a flow this reader runs: it ends after the message in hand.
            this.halted = true;
            return false;
        }
        try {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining > 0 && this.finished.await(remaining, TimeUnit.NANOSECONDS)) {
                return true;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.halted = true;
        requestStop();
        int left = this.pipe.size();
        if (untilEnd || left > 0) {
            logger.warn("{}: the shutdown grace period ran out before every message was handed over; {} messages"
                    + " still queued are dropped when the pipe closes", this.description, left);
        }
        return !untilEnd && left == 0;
    }

    private boolean isStopping() {
        return this.stopping;
    }

    private void run() {
        @Nullable PipeException end = null;
        try {
            while (!this.halted) {
                Pipes.select(List.of(this.pipe, this.stopSelectable), FOREVER);
                if (this.pipe.readiness().isReady()) {
                    readQueued();
                }
                else if (this.stopping) {
                    break;
                }
            }
        }
        catch (PipeException ex) {
            end = ex;
        }
        catch (RuntimeException | Error ex) {
            logger.error("{}: reading stopped by an unexpected failure", this.description, ex);
            end = new PipeException(this.description + ": reading stopped by an unexpected failure", ex);
        }
        finally {
            this.finished.countDown();
        }
        this.endListener.ended(end);
    }

    /** Reads what is queued now, and the end of the pipe when that is what made it ready. */
    private void readQueued() {
        do {
            Envelope message;
            try {
                message = this.pipe.readEnvelope(Duration.ZERO);
            }
            catch (PipeTimeoutException ex) {
                return;
            }
            catch (PeerDisconnectedException ex) {
                if (this.pipe.transport() == Transport.IN_PROCESS && this.pipe.isOpen()) {
                    // An in-process pipe stays usable: the next write from either end reconnects it.
                    logger.debug("{}: {}", this.description, ex.getMessage());
                    return;
                }
                throw ex;
            }
            catch (PipeClosedException ex) {
                if (this.stopping) {
                    this.halted = true;
                    return;
                }
                throw ex;
            }
            deliver(message);
        }
        while (this.pipe.size() > 0 && !this.halted);
    }

    private void deliver(Envelope message) {
        try {
            this.consumer.accept(message);
        }
        catch (RuntimeException ex) {
            logger.warn("{}: the flow failed to handle a message of {} bytes; reading goes on: {}", this.description,
                    message.payload().length, ex.toString());
        }
    }

    /** Told once when a reader ends. */
    @FunctionalInterface
    interface EndListener {

        /**
         * @param cause why the pipe ended (peer closed or disconnected, pipe closed, broken), or
         *        null when the reader was stopped
         */
        void ended(@Nullable PipeException cause);
    }
}
