package io.pipc.integration;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
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
 *
 * <p>A pipe that heals attaches one connection after another to the same sink, and a lost one
 * may still hold messages the sink has not taken (its reading paused) when the next attaches.
 * So each connection keeps its own pause, and only the {@linkplain #start(Pipe) connection being
 * read} is taken from: a later one waits, paused, until the one before it has ended, so that
 * what the departed peer wrote is handed over before anything of the next.
 */
final class PipeSink implements MessageSink, InboundReading {

    private static final Logger logger = LoggerFactory.getLogger(PipeSink.class);

    private final String description;

    private final Predicate<Envelope> completesReply;

    private final Consumer<Envelope> handOver;

    private final BiConsumer<Pipe, PipeException> ending;

    private final Supplier<Executor> executor;

    /** The connections attached and not yet retired: the one being read, and those after it. */
    private final Map<Pipe, Connection> connections = new IdentityHashMap<>();

    /** The connection whose messages are taken; null before the first {@link #start(Pipe)}. */
    private @Nullable Pipe current;

    /** Whether messages are taken: an endpoint started, and no stop since. */
    private boolean taking;

    /** A task is handing messages over. */
    private boolean busy;

    /** Taken while a task runs, for it to hand over next. */
    private final ArrayDeque<Envelope> waiting = new ArrayDeque<>();

    private long waitingBytes;

    /**
     * @param description names the pipe in logs, e.g. "pipe 'orders'"
     * @param completesReply on the loop: takes a message that answers a pending request
     * @param handOver on a task: gives a message to the endpoints (replies first, then the inbound one)
     * @param ending told once per connection that its input ended, on the event loop
     * @param executor where the tasks run
     */
    PipeSink(String description, Predicate<Envelope> completesReply, Consumer<Envelope> handOver,
            BiConsumer<Pipe, PipeException> ending, Supplier<Executor> executor) {
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
        return this.connections.containsKey(candidate);
    }

    /**
     * An endpoint started, or the pipe moved on to its next connection: messages of
     * {@code connection} are taken from now on; those of connections before it are done with.
     *
     * @param connection the connection to read, one this sink {@linkplain #serves serves}
     */
    void start(Pipe connection) {
        Runnable waiting;
        synchronized (this) {
            // Those that ended are done with: the one read before, and any skipped for ending before their turn.
            this.connections.entrySet().removeIf((entry) -> entry.getKey() != connection && entry.getValue().ended);
            this.current = connection;
            this.taking = true;
            waiting = resumeOf(connection);
        }
        if (waiting != null) {
            waiting.run();
        }
    }

    @Override
    public void attached(Pipe attached, Runnable resumeReading) {
        synchronized (this) {
            this.connections.put(attached, new Connection(resumeReading));
        }
    }

    @Override
    public int offer(Pipe from, List<Envelope> batch) {
        for (int i = 0; i < batch.size(); i++) {
            synchronized (this) {
                if (!this.taking || from != this.current) {
                    // Not read yet (no endpoint started, or a connection before it is still being read).
                    pause(from);
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
                        pause(from);
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
            Connection connection = this.connections.get(from);
            if (connection == null || connection.ended) {
                return;
            }
            connection.ended = true;
            connection.paused = false;
            notifyAll();
        }
        this.ending.accept(from, cause);
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
            boolean done = awaitUntil(deadlineNanos, () -> allEnded() && !this.busy);
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

    /** Under this monitor: every connection attached has ended (those opened after the one read too). */
    private boolean allEnded() {
        return this.connections.values().stream().allMatch((connection) -> connection.ended);
    }

    /** Under this monitor: {@code from} was given less than it offered, and waits to be resumed. */
    private void pause(Pipe from) {
        Connection connection = this.connections.get(from);
        if (connection != null) {
            connection.paused = true;
        }
    }

    /** Under this monitor: the resume of {@code connection} if it is paused (and is no longer then). */
    private @Nullable Runnable resumeOf(@Nullable Pipe connection) {
        Connection paused = (connection != null) ? this.connections.get(connection) : null;
        if (paused == null || !paused.paused) {
            return null;
        }
        paused.paused = false;
        return paused.resume;
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
                    // Ended under the monitor that saw nothing waiting: a message offered from now on starts a task
                    // of its own. Ended after letting go of it, a message offered in between would wait for ever,
                    // or be handed over after a later one.
                    this.busy = false;
                    notifyAll();
                    break;
                }
                messages = List.copyOf(this.waiting);
                this.waiting.clear();
                this.waitingBytes = 0;
            }
            resumeIfPaused();
        }
        resumeIfPaused();
    }

    private void resumeIfPaused() {
        Runnable waitingResume;
        synchronized (this) {
            waitingResume = this.taking ? resumeOf(this.current) : null;
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

    @Override
    public String toString() {
        return "PipeSink[" + this.description + "]";
    }

    /** What the sink knows of one connection. Guarded by the sink. */
    private static final class Connection {

        /** Makes the connection read again after it was paused. */
        final Runnable resume;

        /** It was given less than it offered and waits for {@link #resume}. */
        boolean paused;

        /** Its input ended: it offers nothing more. */
        boolean ended;

        Connection(Runnable resume) {
            this.resume = resume;
        }
    }
}
