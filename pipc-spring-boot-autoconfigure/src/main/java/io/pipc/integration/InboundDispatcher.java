package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.Transport;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The one reader of a {@link SharedPipe}, for the endpoints that read it: hands each reply to
 * the outbound gateway waiting for it and everything else to the inbound adapter or gateway.
 * Reading starts once an endpoint has started and the pipe is attached, and stops when the
 * last endpoint stops.
 */
final class InboundDispatcher {

    private static final Logger logger = LoggerFactory.getLogger(InboundDispatcher.class);

    private final SharedPipe pipe;

    private final Set<String> running = new LinkedHashSet<>();

    private @Nullable String receiverOwner;

    private volatile @Nullable MessageReceiver receiver;

    private @Nullable String repliesOwner;

    private volatile @Nullable ReplyListener replies;

    /** How the pipe's messages are taken while an endpoint reads: a {@link PipeReader} or the {@link #sink}. */
    private @Nullable InboundReading reader;

    /** Where a socket pipe opened with {@link #messageSink()} hands its messages, on its event loop. */
    private final PipeSink sink;

    private volatile @Nullable Executor taskExecutor;

    private volatile @Nullable Supplier<? extends Executor> executorFactory;

    /** The executor made for the sink's tasks when none was set; shut down when the last endpoint stops. */
    private @Nullable Executor ownExecutor;

    /** The last endpoint stopped: no executor is made until one starts again. */
    private boolean stopped;

    private volatile boolean receiverRunning;

    /** This side asked the peer to stop sending: the end of the input is the end of a shutdown. */
    private volatile boolean stopAsked;

    /**
     * The inbound endpoint is stopping: set before the peer is asked to stop sending, so that its
     * answer, however soon it comes, is taken for the end of a shutdown, not a departure to heal.
     */
    private volatile boolean inboundStopping;

    private volatile boolean inputEnded;

    InboundDispatcher(SharedPipe pipe) {
        this.pipe = pipe;
        this.sink = new PipeSink("pipe '" + pipe.name() + "'", this::completesReply, this::dispatch,
                this::endedOnLoop, this::executor);
    }

    /**
     * @return the sink to open a Unix socket or TCP pipe with, so that its replies complete the
     *         waiting callers on the event loop and its other messages reach the inbound endpoint
     *         without a reading thread
     */
    MessageSink messageSink() {
        return this.sink;
    }

    /**
     * @param taskExecutor runs the tasks that hand a socket pipe's messages (all but replies) to
     *        the inbound endpoint, one task at a time; null for a thread of the pipe's own
     */
    void setTaskExecutor(@Nullable Executor taskExecutor) {
        this.taskExecutor = taskExecutor;
    }

    /**
     * @param factory makes the pipe's own executor when none is set
     */
    void setTaskExecutorFactory(Supplier<? extends Executor> factory) {
        this.executorFactory = factory;
    }

    /**
     * @param owner names the endpoint, for errors
     * @param receiver gets every message that is not a reply
     * @throws IllegalStateException when the pipe already has an inbound endpoint
     */
    synchronized void registerReceiver(String owner, MessageReceiver receiver) {
        if (this.receiverOwner != null) {
            throw new IllegalStateException("pipe '" + this.pipe.name() + "' already has an inbound endpoint, '"
                    + this.receiverOwner + "'; '" + owner + "' cannot read it too (a pipe has one inbound adapter"
                    + " or gateway)");
        }
        this.receiverOwner = owner;
        this.receiver = receiver;
    }

    /**
     * @param owner names the endpoint, for errors
     * @param replies offered every message with a correlation id
     * @throws IllegalStateException when the pipe already has an outbound gateway
     */
    synchronized void registerReplies(String owner, ReplyListener replies) {
        if (this.repliesOwner != null) {
            throw new IllegalStateException("pipe '" + this.pipe.name() + "' already has an outbound gateway, '"
                    + this.repliesOwner + "'; '" + owner + "' cannot wait for replies on it too");
        }
        this.repliesOwner = owner;
        this.replies = replies;
    }

    /**
     * @return the endpoints that read the pipe, quoted, or null when none does
     */
    synchronized @Nullable String owners() {
        List<String> owners = new ArrayList<>(2);
        if (this.receiverOwner != null) {
            owners.add("'" + this.receiverOwner + "'");
        }
        if (this.repliesOwner != null) {
            owners.add("'" + this.repliesOwner + "'");
        }
        return owners.isEmpty() ? null : String.join(" and ", owners);
    }

    /**
     * An endpoint started: reading starts now, or when the pipe is attached.
     *
     * @param owner the endpoint
     */
    synchronized void start(String owner) {
        this.running.add(owner);
        this.stopped = false;
        if (owner.equals(this.receiverOwner)) {
            this.receiverRunning = true;
        }
        startReaderIfReady();
    }

    /**
     * The pipe was attached, or opened again after its peer went away: start reading if an
     * endpoint waits for it.
     */
    synchronized void pipeAttached() {
        if (!this.stopAsked) {
            this.inputEnded = false;
        }
        startReaderIfReady();
    }

    /**
     * An endpoint stopped. When it is the inbound endpoint, the pipe's input ends without losing
     * a message: replies to this side's own pending requests are awaited, the peer is asked to
     * stop sending ({@link Pipe#stopReceiving()}), and reading goes on until every message it
     * sent before it learned of that has been handed over; then the inbound endpoint's work in
     * progress (a gateway's replies) is awaited. A pipe whose wire cannot ask (Python) hands
     * over what is queued. When the last endpoint stops, reading ends.
     *
     * @param owner the endpoint
     * @param gracePeriod how long to go on handling messages already sent
     * @return whether everything sent was handled in time
     */
    boolean stop(String owner, Duration gracePeriod) {
        long deadline = System.nanoTime() + gracePeriod.toNanos();
        InboundReading current;
        boolean last;
        boolean inbound;
        synchronized (this) {
            this.running.remove(owner);
            last = this.running.isEmpty();
            inbound = owner.equals(this.receiverOwner);
            current = this.reader;
        }
        boolean drained = true;
        if (inbound) {
            this.inboundStopping = true;
        }
        if (inbound && current != null) {
            drained = endInput(current, deadline);
            if (current == this.sink) {
                // Nothing is read after the end the shutdown asked for: a connection opened since waits, unread.
                drained &= this.sink.stop(deadline);
            }
        }
        else if (last && current != null) {
            drained = current.stop(deadline);
        }
        if (last) {
            Executor own;
            synchronized (this) {
                if (this.reader == current) {
                    this.reader = null;
                }
                own = this.ownExecutor;
                this.ownExecutor = null;
                this.stopped = true;
            }
            if (own != null) {
                OwnExecutors.shutDown(own, "pipe '" + this.pipe.name() + "'");
            }
        }
        MessageReceiver endpoint = this.receiver;
        if (inbound && endpoint != null) {
            drained &= endpoint.awaitIdle(deadline);
            this.receiverRunning = false;
        }
        return drained;
    }

    /**
     * @param connection a connection of the pipe
     * @return whether its event loop hands its messages to this dispatcher's sink
     */
    boolean handsOverThroughSink(Pipe connection) {
        return this.sink.serves(connection);
    }

    /**
     * @return whether the inbound endpoint stopped, asking the peer to stop sending: the pipe's
     *         input is ending for good, and the pipe does not open again
     */
    boolean isInboundStopping() {
        return this.inboundStopping;
    }

    /**
     * @return whether the pipe's input has ended, or is ending because the peer was asked to
     *         stop sending: nothing sent from now on would be read
     */
    boolean isInputEnded() {
        return this.inputEnded;
    }

    private boolean endInput(InboundReading current, long deadline) {
        ReplyListener replyListener = this.replies;
        if (replyListener != null) {
            // Once asked to stop, the peer could not send the replies it owes.
            replyListener.awaitReplies(deadline);
        }
        List<Pipe> connections = this.pipe.connectionsToRead();
        try {
            if (!connections.isEmpty()) {
                // Each connection still to be read (a lost one being read to its end, and the open one) is asked.
                for (Pipe connection : connections) {
                    connection.stopReceiving();
                }
                this.stopAsked = true;
                // No reply to a request written from now on could come.
                this.inputEnded = true;
                return current.awaitEnd(deadline);
            }
        }
        catch (UnsupportedOperationException ex) {
            logger.info("pipe '{}': its wire cannot ask the peer to stop sending, so the messages already queued are"
                    + " handled and what the peer writes after that is not", this.pipe.name());
        }
        catch (PipeException ex) {
            logger.debug("pipe '{}' could not ask its peer to stop sending: {}", this.pipe.name(), ex.getMessage());
        }
        return current.stop(deadline);
    }

    private void startReaderIfReady() {
        Pipe delegate = this.pipe.delegate();
        if (this.running.isEmpty() || delegate == null || this.stopAsked) {
            return;
        }
        if ((this.reader == null || this.reader == this.sink) && this.sink.serves(delegate)) {
            // The pipe's event loop hands its messages over: no reading thread. A pipe that heals
            // moves the sink on to its next connection here.
            this.reader = this.sink;
            this.sink.start(delegate);
            return;
        }
        if (this.reader != null) {
            return;
        }
        PipeReader started = new PipeReader("pipe '" + this.pipe.name() + "'", "pipc-pipe-" + this.pipe.name(),
                delegate, this::dispatch, (cause) -> ended(delegate, cause));
        this.reader = started;
        started.start();
    }

    /** On the pipe's event loop (a sink) or its reading thread: gives a reply to the request waiting for it. */
    private boolean completesReply(Envelope message) {
        ReplyListener replyListener = this.replies;
        if (replyListener != null && message.correlationId() != null && replyListener.offerReply(message)) {
            this.pipe.metrics().messageReceived(this.pipe.origin(), message.payload().length);
            return true;
        }
        return false;
    }

    private synchronized Executor executor() {
        Executor set = this.taskExecutor;
        if (set != null) {
            return set;
        }
        Executor own = this.ownExecutor;
        if (own == null && this.stopped) {
            // Made now, it would never be shut down.
            throw new RejectedExecutionException("pipe '" + this.pipe.name() + "': its endpoints are stopped");
        }
        if (own == null) {
            own = makeOwnExecutor();
            this.ownExecutor = own;
        }
        return own;
    }

    private Executor makeOwnExecutor() {
        Supplier<? extends Executor> factory = this.executorFactory;
        if (factory == null) {
            // One task at a time hands a pipe's messages over, so one thread; ended after a minute idle.
            return OwnExecutors.initialized(OwnExecutors.pool("pipc-pipe-" + this.pipe.name() + "-", 1),
                    "pipe '" + this.pipe.name() + "'");
        }
        return OwnExecutors.initialized(factory.get(), "pipe '" + this.pipe.name() + "'");
    }

    private void dispatch(Envelope message) {
        if (completesReply(message)) {
            return;
        }
        this.pipe.metrics().messageReceived(this.pipe.origin(), message.payload().length);
        MessageReceiver current = this.receiver;
        if (current != null && this.receiverRunning) {
            current.receive(new ReceivedMessage(message, this.pipe.origin(), null, this.pipe::write));
            return;
        }
        this.pipe.metrics().failure(this.pipe.origin(), PipeMetrics.Failure.DROPPED);
        logger.warn("pipe '{}': dropped a message of {} bytes{}: {}", this.pipe.name(), message.payload().length,
                (message.correlationId() != null) ? " with correlation id '" + message.correlationId() + "'" : "",
                (current == null) ? "it answers no pending request (its request may have timed out)"
                        : "its inbound endpoint is stopped");
    }

    /**
     * On the event loop of a connection whose input ended: the requests written to it fail, and
     * the pipe moves on (to its next connection, or to opening again) there and then, none of
     * which waits; the events that say so are published {@linkplain #offLoop off the loop}.
     */
    private void endedOnLoop(Pipe connection, PipeException cause) {
        // The pipe moves on first, so that a caller whose request fails here writes its next one to the next connection.
        pipeEnded(connection, cause, true);
        failPendingRequests(connection, cause);
    }

    /** On the reading thread of {@code connection}, which ended. */
    private void ended(Pipe connection, @Nullable PipeException cause) {
        if (cause != null) {
            // The next connection, if any, becomes the pipe's to read before this reader lets go,
            // and to write before a caller whose request fails here writes its next one.
            pipeEnded(connection, cause, false);
            failPendingRequests(connection, cause);
        }
        synchronized (this) {
            if (this.reader != this.sink) {
                // A reading thread ends with the pipe; the sink stays, for a stop to wait on its last task.
                this.reader = null;
            }
            startReaderIfReady();
        }
    }

    /**
     * Runs work that may call application code (event listeners) away from the event loop that
     * asks for it: on the pipe's executor, or where it is asked when that executor refuses it
     * (after the last endpoint stopped, or a bounded executor that is full).
     *
     * @param work the work
     */
    void offLoop(Runnable work) {
        try {
            executor().execute(work);
        }
        catch (RuntimeException ex) {
            logger.debug("pipe '{}': its executor refused a task ({}); running it here", this.pipe.name(), ex.toString());
            work.run();
        }
    }

    private void failPendingRequests(Pipe connection, PipeException cause) {
        ReplyListener replyListener = this.replies;
        if (replyListener != null) {
            replyListener.connectionEnded(connection, cause);
        }
    }

    private void pipeEnded(Pipe connection, PipeException cause, boolean onLoop) {
        // A pipe that heals reads its next connection's input after this one's.
        this.inputEnded = !this.pipe.heals()
                && !(cause instanceof PeerDisconnectedException && this.pipe.transport() == Transport.IN_PROCESS);
        if (this.inboundStopping && cause instanceof PeerClosedException) {
            // The end a shutdown asked for; the pipe closes next, and says so then.
            logger.debug("pipe '{}': every message the peer sent was handed over", this.pipe.name());
        }
        else if (cause instanceof PeerClosedException || cause instanceof PeerDisconnectedException) {
            logger.info("pipe '{}' ended: {}", this.pipe.name(), cause.getMessage());
            this.pipe.ended(connection, String.valueOf(cause.getMessage()), null, onLoop);
        }
        else if (!(cause instanceof PipeClosedException)) {
            logger.warn("pipe '{}' broke: {}", this.pipe.name(), cause.toString());
            this.pipe.ended(connection, String.valueOf(cause.getMessage()), cause, onLoop);
        }
        else {
            this.pipe.closedHere(connection, String.valueOf(cause.getMessage()), onLoop);
        }
    }
}
