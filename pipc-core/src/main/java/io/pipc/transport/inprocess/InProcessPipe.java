package io.pipc.transport.inprocess;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.transport.AbstractPipe;
import io.pipc.transport.AdaptiveSpin;
import io.pipc.transport.Deadline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of an in-process pipe. A write copies the message into the peer's
 * {@link InProcessQueue}, waiting for room up to the write timeout; nothing else stands
 * between the two threads, and neither wakes the other unless that one has gone to sleep.
 * {@link #handOver(byte[])} queues the caller's array itself, without the copy. A message
 * without headers is queued as its bare array, so a plain write allocates only its copy and
 * a hand-over nothing at all.
 */
public final class InProcessPipe extends AbstractPipe {

    private static final Logger log = LoggerFactory.getLogger(InProcessPipe.class);
    private static final AtomicInteger PAIRS = new AtomicInteger();

    private final Link link;
    private final InProcessQueue received;
    // Set once by pair(), before either end is handed out.
    @SuppressWarnings("NullAway.Init")
    private InProcessPipe peer;

    private InProcessPipe(String name, PipeOptions options, Link link, InProcessQueue received) {
        super(name, Transport.IN_PROCESS, options, received);
        this.link = link;
        this.received = received;
    }

    private static InProcessPipe end(String name, PipeOptions options, Link link) {
        // The producer is the peer's writing thread, often running on the other core right now.
        return new InProcessPipe(name, options, link, new InProcessQueue(options.queueCapacityMessages(),
                options.queueCapacityBytes(), AdaptiveSpin.withDefaults()));
    }

    /**
     * @param options limits and timeouts for both ends; the name, if set, is the pair's
     * @return two connected ends, named {@code <name>.left} and {@code <name>.right}
     */
    public static PipePair pair(PipeOptions options) {
        Objects.requireNonNull(options, "options");
        String base = options.name() != null ? options.name() : "pair-" + PAIRS.incrementAndGet();
        Link link = new Link();
        InProcessPipe left = end(base + ".left", options, link);
        InProcessPipe right = end(base + ".right", options, link);
        left.peer = right;
        right.peer = left;
        return new PipePair(left, right);
    }

    // A write copies the payload: the caller may reuse its array once write returns, and the peer must not see that.

    @Override
    public void write(Envelope message) {
        Objects.requireNonNull(message, "message");
        if (!message.hasHeaders()) {
            write(message.payload());
            return;
        }
        ensureOpen();
        checkSize(message);
        enqueue(new Envelope(message.payload().clone(), message.correlationId(), message.contentType(), message.headers()));
    }

    @Override
    public void write(byte[] message) {
        Objects.requireNonNull(message, "message");
        ensureOpen();
        checkSize(message);
        enqueue(message.clone());
    }

    /** The peer's reader receives this very array: the caller gave it up (see {@link io.pipc.Pipe#handOver}). */
    @Override
    public void handOver(byte[] message) {
        Objects.requireNonNull(message, "message");
        ensureOpen();
        checkSize(message);
        enqueue(message);
    }

    /**
     * Puts a message into the peer's queue, waiting for room up to the write timeout.
     *
     * @param queued an {@link Envelope} with headers, or a bare payload; the peer's now
     */
    private void enqueue(Object queued) {
        if (link.reconnect()) {
            log.debug("pipe '{}' reconnected by a write", name());
        }
        boolean added;
        try {
            long timeout = Deadline.toNanos(options().writeTimeout());
            added = peer.received.offer(queued, timeout);
        } catch (InterruptedException e) {
            throw interrupted("writing", e);
        } catch (PipeException e) {
            // The peer's queue stopped accepting: because the peer closed, or because this end did meanwhile.
            ensureOpen();
            throw e;
        }
        if (!added) {
            throw new PipeTimeoutException("pipe '" + name() + "': peer '" + peer.name() + "' stayed full for "
                    + options().writeTimeout() + " (its reader is slow or stopped); nothing was written");
        }
    }

    /** Nothing is ever held back: a write is in the peer's queue when it returns. */
    @Override
    public void flush() {
        ensureOpen();
    }

    @Override
    public void disconnect(String reason) {
        Objects.requireNonNull(reason, "reason");
        ensureOpen();
        if (!link.disconnect()) {
            return;
        }
        log.debug("pipe '{}' disconnected: {}", name(), reason);
        String peerName = peer.name();
        String myName = name();
        peer.received.addEvent(() -> new PeerDisconnectedException("pipe '" + peerName + "': peer '" + myName
                + "' disconnected" + (reason.isEmpty() ? "" : ": " + reason)
                + " (the next write from either end reconnects)", reason));
    }

    /** The peer's queue is this end's inbound queue: it stops taking messages, and what it holds stays readable. */
    @Override
    public void stopReceiving() {
        ensureOpen();
        String peerName = peer.name();
        String myName = name();
        received.finish(
                () -> new PeerClosedException("pipe '" + myName + "': this end stopped receiving, and everything '"
                        + peerName + "' sent before has been read"),
                () -> new PeerClosedException("pipe '" + peerName + "': peer '" + myName
                        + "' stopped receiving; nothing was written"));
    }

    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        String peerName = peer.name();
        String myName = name();
        int dropped = received.close(this::closedException,
                () -> new PeerClosedException("pipe '" + peerName + "': peer '" + myName + "' is closed; nothing was written"));
        peer.received.finish(
                () -> new PeerClosedException("pipe '" + peerName + "': peer '" + myName + "' closed"),
                this::closedException);
        if (dropped > 0) {
            log.debug("pipe '{}' closed with {} unread messages", myName, dropped);
        }
    }

    /** Whether the two ends are connected: a disconnect from either end clears it, a write sets it again. */
    private static final class Link {

        private volatile boolean disconnected;

        synchronized boolean disconnect() {
            if (disconnected) {
                return false;
            }
            disconnected = true;
            return true;
        }

        boolean reconnect() {
            if (!disconnected) {
                return false;
            }
            synchronized (this) {
                if (!disconnected) {
                    return false;
                }
                disconnected = false;
                return true;
            }
        }
    }
}
