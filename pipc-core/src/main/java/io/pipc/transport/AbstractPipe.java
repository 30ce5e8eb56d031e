package io.pipc.transport;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Readiness;
import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

/**
 * The read side every transport shares: received messages wait in {@link ReceivedMessages}
 * (an {@link InboundQueue} for the socket and stream transports, the in-process queue for
 * in-process pipes) that the transport fills and the application drains. A transport adds the write side,
 * {@link #flush()}, {@link #disconnect(String)} and {@link #close()}.
 */
public abstract class AbstractPipe implements Pipe {

    private final String name;
    private final Transport transport;
    private final PipeOptions options;
    /** Null when the transport brought its own queue ({@link #received}). */
    private final @Nullable InboundQueue inbound;
    private final ReceivedMessages received;
    /** 1 once this end is closed: a field of the pipe rather than an AtomicBoolean, so a write touches one object less. */
    private volatile int closed;
    private static final AtomicIntegerFieldUpdater<AbstractPipe> CLOSED = AtomicIntegerFieldUpdater.newUpdater(AbstractPipe.class, "closed");
    // Made once: a method reference made on each read would be one more allocation per message.
    private final Taking<Envelope> envelopes;
    private final Taking<byte[]> payloads;

    /**
     * @param name the pipe's name in logs and errors
     * @param transport the mechanism behind it
     * @param options limits and timeouts
     */
    protected AbstractPipe(String name, Transport transport, PipeOptions options) {
        this(name, transport, options, new InboundQueue(
                Objects.requireNonNull(options, "options").queueCapacityMessages(), options.queueCapacityBytes()));
    }

    /**
     * For a transport that fills a queue of its own shape rather than an {@link InboundQueue}.
     *
     * @param name the pipe's name in logs and errors
     * @param transport the mechanism behind it
     * @param options limits and timeouts
     * @param received what this end's reads take from
     */
    protected AbstractPipe(String name, Transport transport, PipeOptions options, ReceivedMessages received) {
        this.name = Objects.requireNonNull(name, "name");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.options = Objects.requireNonNull(options, "options");
        this.received = Objects.requireNonNull(received, "received");
        this.inbound = received instanceof InboundQueue queue ? queue : null;
        this.envelopes = received::take;
        this.payloads = received::takePayload;
    }

    /**
     * Only socket pipes hand what they receive to a {@link io.pipc.MessageSink}: refuses options
     * that name one for any other transport, before anything is opened.
     *
     * @param options the options of the pipe about to be made
     * @param which what is being made, for the message, e.g. {@code "named pipes (FIFOs)"}
     * @throws IllegalArgumentException when the options name a message sink
     */
    public static void refuseMessageSink(PipeOptions options, String which) {
        if (options.messageSink() != null) {
            throw new IllegalArgumentException(which + " have no message sink (only Unix socket and TCP pipes do);"
                    + " leave PipeOptions.messageSink unset for them");
        }
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Transport transport() {
        return transport;
    }

    /**
     * @return the options this pipe was made with
     */
    public final PipeOptions options() {
        return options;
    }

    /**
     * @return the queue the transport fills with received messages
     */
    protected final InboundQueue inbound() {
        if (inbound == null) {
            throw new IllegalStateException("pipe '" + name + "' reads from its transport's own queue, not an InboundQueue");
        }
        return inbound;
    }

    @Override
    public final Readiness readiness() {
        return received.readiness();
    }

    /** A plain message's read takes its array alone: no envelope is made for it. */
    @Override
    public final byte[] read() {
        return readForever(payloads);
    }

    @Override
    public final byte[] read(Duration timeout) {
        return readWithin(timeout, payloads);
    }

    @Override
    public final Envelope readEnvelope() {
        return readForever(envelopes);
    }

    @Override
    public final Envelope readEnvelope(Duration timeout) {
        return readWithin(timeout, envelopes);
    }

    private <T> T readForever(Taking<T> how) {
        T message = take(Long.MAX_VALUE, how);
        if (message == null) {
            throw new IllegalStateException("a read without timeout returned nothing");
        }
        return message;
    }

    private <T> T readWithin(Duration timeout, Taking<T> how) {
        Objects.requireNonNull(timeout, "timeout");
        T message = take(Deadline.toNanos(timeout), how);
        if (message == null) {
            throw new PipeTimeoutException("pipe '" + name + "': no message arrived within " + timeout);
        }
        return message;
    }

    /**
     * @return how many threads wait in {@code read} for a message now; for monitoring, and for
     *         tests that must know a reader is waiting without looking at its stack
     */
    public final int readersWaiting() {
        return received.readersWaiting();
    }

    /**
     * @return how many threads wait for room in this end's queue now: a transport's reader
     *         thread, or for in-process pipes the peer's writers; for monitoring and tests
     */
    public final int producersWaiting() {
        return received.producersWaiting();
    }

    @Override
    public final int size() {
        return received.size();
    }

    @Override
    public final List<Envelope> pendingEnvelopes() {
        return drain();
    }

    @Override
    public final List<byte[]> pending() {
        List<byte[]> payloads = received.drainPayloads();
        if (!payloads.isEmpty()) {
            messagesRead();
        }
        return payloads;
    }

    @Override
    public boolean isOpen() {
        return closed == 0;
    }

    /**
     * Marks this end closed.
     *
     * @return true for the first caller only, who then releases the resources
     */
    protected final boolean markClosed() {
        return CLOSED.compareAndSet(this, 0, 1);
    }

    /**
     * @throws PipeClosedException when this end is closed
     */
    protected final void ensureOpen() {
        if (closed != 0) {
            throw closedException();
        }
    }

    /**
     * @return the exception for an operation on this closed end
     */
    protected final PipeClosedException closedException() {
        return new PipeClosedException("pipe '" + name + "' is closed");
    }

    /**
     * Checks a message against {@link PipeOptions#maxMessageSize()} before anything is written.
     *
     * @param message the message about to be written
     * @throws MessageTooLargeException when it is too long
     */
    protected final void checkSize(Envelope message) {
        checkSize(message.payload());
    }

    /**
     * Checks a message without headers against {@link PipeOptions#maxMessageSize()} before anything is written.
     *
     * @param payload the message about to be written
     * @throws MessageTooLargeException when it is too long
     */
    protected final void checkSize(byte[] payload) {
        int size = payload.length;
        if (size > options.maxMessageSize()) {
            throw new MessageTooLargeException("pipe '" + name + "': message of " + size
                    + " bytes is larger than maxMessageSize " + options.maxMessageSize()
                    + "; nothing was written (raise PipeOptions.maxMessageSize on both ends, or split the message)",
                    size, options.maxMessageSize());
        }
    }

    /**
     * @param what what the thread was doing
     * @param e the interruption
     * @return the exception to throw; the thread's interrupt flag is set again
     */
    protected final PipeException interrupted(String what, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new PipeException("pipe '" + name + "': interrupted while " + what, e);
    }

    /**
     * Told after the application took messages from the queue (on the reading thread), or as a
     * transport hands them to a message sink (on its event loop): a transport that tells a
     * request from a stream by what the application does (a write after a read answers it)
     * watches this. Must be quick.
     */
    protected void messagesRead() {
    }

    private <T> @Nullable T take(long timeoutNanos, Taking<T> how) {
        T message;
        try {
            message = how.take(timeoutNanos);
        } catch (InterruptedException e) {
            throw interrupted("reading", e);
        }
        if (message != null) {
            messagesRead();
        }
        return message;
    }

    /** How a read takes its message from the queue: as an envelope, or as its payload alone. */
    @FunctionalInterface
    private interface Taking<T> {
        @Nullable T take(long timeoutNanos) throws InterruptedException;
    }

    private List<Envelope> drain() {
        List<Envelope> messages = received.drain();
        if (!messages.isEmpty()) {
            messagesRead();
        }
        return messages;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", " + transport + (isOpen() ? "" : ", closed") + "]";
    }
}
