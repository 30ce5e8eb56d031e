package io.pipc.integration;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.transport.AbstractPipe;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A socket pipe's messages taken on the event loop that decoded them, for its
 * {@link InboundDispatcher}: a reply is given to the outbound gateway waiting for it right there
 * (the waiting caller's future completes on the loop, with no thread in between), and everything
 * else is handed on, in order, to one task at a time on the pipe's executor, which gives it to the
 * inbound endpoint. While that task runs, the others wait for it, up to the pipe's queue
 * capacity (as its queue would hold them); beyond it the pipe's reading pauses (the sink's
 * backpressure) until the task has taken them; replies are still taken meanwhile.
 */
final class PipeSink implements MessageSink, InboundReading {

    private static final Logger logger = LoggerFactory.getLogger(PipeSink.class);

    private final String description;

    private final Predicate<Envelope> completesReply;

    private final Consumer<Envelope> handOver;

    private final Consumer<PipeException> ending;

    private final Supplier<Executor> executor;

    private @Nullable Pipe pipe;

    private @Nullable Runnable resume;

    /** Whether messages are taken: an endpoint started, and no stop since. */
    private boolean taking;

    /** A task is handing messages over. */
    private boolean busy;

    /** The pipe was given less than it offered and waits for {@link #resume}. */
    private boolean paused;

    private boolean ended;

    /** Taken while a task runs, for it to hand over next. */
    private final ArrayDeque<Envelope> waiting = new ArrayDeque<>();

    private long waitingBytes;

    /**
     * @param description names the pipe in logs, e.g. "pipe 'orders'"
     * @param completesReply on the loop: takes a message that answers a pending request
     * @param handOver on a task: gives a message to the endpoints (replies first, then the inbound one)
     * @param ending told once the pipe's input ended
     * @param executor where the tasks run
     */
    PipeSink(String description, Predicate<Envelope> completesReply, Consumer<Envelope> handOver,
            Consumer<PipeException> ending, Supplier<Executor> executor) {
        this.description = description;
        this.completesReply = completesReply;
        this.handOver = handOver;
        this.ending = ending;
        this.executor = executor;
    }

    /**
     * @param candidate a pipe
     * @return whether that pipe hands its messages to this sink
     */
    synchronized boolean serves(Pipe candidate) {
        return this.pipe == candidate;
    }

    /** An endpoint started: messages are taken from now on. */
    void start() {
        Runnable waiting;
        synchronized (this) {
            this.taking = true;
            waiting = this.paused ? this.resume : null;
            this.paused = false;
        }
        if (waiting != null) {
            waiting.run();
        }
    }

    @Override
    public void attached(Pipe attached, Runnable resumeReading) {
        synchronized (this) {
            this.pipe = attached;
            this.resume = resumeReading;
            this.ended = false;
            this.paused = false;
        }
    }

    @Override
    public int offer(Pipe from, List<Envelope> batch) {
        for (int i = 0; i < batch.size(); i++) {
            synchronized (this) {
                if (!this.taking) {
                    this.paused = true;
                    return i;
                }
            }
            Envelope message = batch.get(i);
            if (this.completesReply.test(message)) {
                continue;
            }
            synchronized (this) {
                if (this.busy) {
                    // Held for the running task, as the pipe's queue would hold it, up to its capacity.
                    if (!fits(from, message)) {
                        this.paused = true;
                        return i;
                    }
                    this.waiting.add(message);
                    this.waitingBytes += message.payload().length;
                    continue;
                }
                this.busy = true;
            }
            List<Envelope> rest = List.copyOf(batch.subList(i, batch.size()));
            Runnable task = () -> handOver(rest);
            try {
                this.executor.get().execute(task);
            }
            catch (RuntimeException ex) {
                logger.debug("{}: its executor refused a task ({}); the event loop hands the messages over",
                        this.description, ex.toString());
                task.run();
            }
            return batch.size();
        }
        return batch.size();
    }

    @Override
    public void ended(Pipe from, PipeException cause) {
        synchronized (this) {
            if (this.pipe != from) {
                return;
            }
            this.ended = true;
            notifyAll();
        }
        this.ending.accept(cause);
    }

    @Override
    public boolean stop(long deadlineNanos) {
        synchronized (this) {
            this.taking = false;
            return awaitUntil(deadlineNanos, () -> !this.busy);
        }
    }

    @Override
    public boolean awaitEnd(long deadlineNanos) {
        synchronized (this) {
            boolean done = awaitUntil(deadlineNanos, () -> this.ended && !this.busy);
            if (!done) {
                logger.warn("{}: the shutdown grace period ran out before every message was handed over; what the"
                        + " peer sent since is dropped when the pipe closes", this.description);
            }
            return done;
        }
    }

    /** Under this monitor. */
    private boolean awaitUntil(long deadlineNanos, BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (remainingMillis <= 0) {
                return false;
            }
            try {
                wait(remainingMillis);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Under this monitor. */
    private boolean fits(Pipe from, Envelope message) {
        if (this.waiting.isEmpty()) {
            return true;
        }
        PipeOptions options = (from instanceof AbstractPipe framed) ? framed.options() : PipeOptions.defaults();
        return this.waiting.size() < options.queueCapacityMessages()
                && this.waitingBytes + message.payload().length <= options.queueCapacityBytes();
    }

    private void handOver(List<Envelope> first) {
        List<Envelope> messages = first;
        while (true) {
            handOverEach(messages);
            synchronized (this) {
                if (this.waiting.isEmpty()) {
                    break;
                }
                messages = List.copyOf(this.waiting);
                this.waiting.clear();
                this.waitingBytes = 0;
            }
            resumeIfPaused();
        }
        finished();
    }

    private void resumeIfPaused() {
        Runnable waitingResume;
        synchronized (this) {
            waitingResume = (this.paused && this.taking) ? this.resume : null;
            if (waitingResume != null) {
                this.paused = false;
            }
        }
        if (waitingResume != null) {
            waitingResume.run();
        }
    }

    private void handOverEach(List<Envelope> messages) {
        for (Envelope message : messages) {
            try {
                this.handOver.accept(message);
            }
            catch (RuntimeException ex) {
                logger.warn("{}: the flow failed to handle a message of {} bytes; reading goes on: {}",
                        this.description, message.payload().length, ex.toString());
            }
        }
    }

    private void finished() {
        synchronized (this) {
            this.busy = false;
            notifyAll();
        }
        resumeIfPaused();
    }

    @Override
    public String toString() {
        return "PipeSink[" + this.description + "]";
    }
}
