package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;

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

    private @Nullable PipeReader reader;

    private volatile boolean receiverRunning;

    InboundDispatcher(SharedPipe pipe) {
        this.pipe = pipe;
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
        if (owner.equals(this.receiverOwner)) {
            this.receiverRunning = true;
        }
        startReaderIfReady();
    }

    /** The pipe was attached: start reading if an endpoint waits for it. */
    synchronized void pipeAttached() {
        startReaderIfReady();
    }

    /**
     * An endpoint stopped. When it was the last one, the reader hands over what is queued, up
     * to the grace period, and then ends; an inbound endpoint's work in progress is awaited too.
     *
     * @param owner the endpoint
     * @param gracePeriod how long to go on handling messages already received
     * @return whether everything received was handled in time
     */
    boolean stop(String owner, Duration gracePeriod) {
        long deadline = System.nanoTime() + gracePeriod.toNanos();
        PipeReader stopping = null;
        synchronized (this) {
            this.running.remove(owner);
            if (this.running.isEmpty()) {
                stopping = this.reader;
                this.reader = null;
            }
        }
        boolean drained = (stopping == null) || stopping.stop(deadline);
        MessageReceiver current = this.receiver;
        if (owner.equals(this.receiverOwner) && current != null) {
            drained &= current.awaitIdle(deadline);
            this.receiverRunning = false;
        }
        return drained;
    }

    private void startReaderIfReady() {
        Pipe delegate = this.pipe.delegate();
        if (this.reader != null || this.running.isEmpty() || delegate == null) {
            return;
        }
        PipeReader started = new PipeReader("pipe '" + this.pipe.name() + "'", "pipc-pipe-" + this.pipe.name(),
                delegate, this::dispatch, (cause) -> ended(cause));
        this.reader = started;
        started.start();
    }

    private void dispatch(Envelope message) {
        this.pipe.metrics().messageReceived(this.pipe.origin(), message.payload().length);
        ReplyListener replyListener = this.replies;
        if (replyListener != null && message.correlationId() != null && replyListener.offerReply(message)) {
            return;
        }
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

    private void ended(@Nullable PipeException cause) {
        synchronized (this) {
            this.reader = null;
        }
        if (cause == null) {
            return;
        }
        ReplyListener replyListener = this.replies;
        if (replyListener != null) {
            replyListener.pipeEnded(cause);
        }
        if (cause instanceof PeerClosedException || cause instanceof PeerDisconnectedException) {
            logger.info("pipe '{}' ended: {}", this.pipe.name(), cause.getMessage());
            this.pipe.ended(String.valueOf(cause.getMessage()), null);
        }
        else if (!(cause instanceof PipeClosedException)) {
            logger.warn("pipe '{}' broke: {}", this.pipe.name(), cause.toString());
            this.pipe.ended(String.valueOf(cause.getMessage()), cause);
        }
    }
}
