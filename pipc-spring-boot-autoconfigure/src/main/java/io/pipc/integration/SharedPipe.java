package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.Readiness;
import io.pipc.Transport;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionFailedEvent;
import io.pipc.integration.event.PipeConnectionOpenedEvent;
import io.pipc.integration.event.PipeEvent;
import io.pipc.integration.event.PipeReconnectedEvent;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;

/**
 * A pipe that application code shares with pipc's Spring Integration endpoints: the {@code Pipe}
 * bean users inject. Writes always go through. Reading has one owner: once an inbound adapter
 * or a gateway reads this pipe, {@link #read()}, {@link #readEnvelope()} and {@link #pending()}
 * throw an {@link IllegalStateException} naming that endpoint, because two readers would each
 * see only some of the messages.
 *
 * <p>A shared pipe may be made before the pipe it stands for is open: the Spring Boot
 * auto-configuration makes the bean when the context is built and {@linkplain #attach attaches}
 * the real pipe when the context starts, or {@linkplain #connectInBackground connects it in the
 * background}. Until then every operation but {@link #name()}, {@link #transport()},
 * {@link #isOpen()} and {@link #size()} throws an {@link IllegalStateException} saying so, except
 * that on a pipe that connects in the background writes and reads wait for it.
 *
 * <p>To use an inbound endpoint and an outbound gateway on one pipe (requests both ways), give
 * both the same {@code SharedPipe}: it hands each reply to the gateway that waits for it and
 * everything else to the inbound endpoint.
 *
 * <p>A shared pipe that {@linkplain #connectInBackground connects in the background} heals: it
 * stays this one object while the pipe underneath is opened, lost when its peer goes away, and
 * opened again. A write while no pipe is open waits for one up to the write timeout. What the
 * departed peer wrote is read to its end before anything of the next connection; a write that
 * failed because the peer went away throws, and is never written again.
 */
public final class SharedPipe implements Pipe, ApplicationEventPublisherAware {

    private static final Logger logger = LoggerFactory.getLogger(SharedPipe.class);

    private static final long FOREVER = Long.MAX_VALUE;

    private final String name;

    private final Transport transport;

    private final InboundDispatcher dispatcher;

    /** The pipe read: the open one, or a lost one whose input is still being read to its end. */
    private volatile @Nullable Pipe delegate;

    /** The pipe written, when healing: null while the pipe is (re)opening. */
    private volatile @Nullable Pipe writable;

    /** Whether the input of {@link #delegate} has been read to its end. Guarded by this. */
    private boolean drained;

    /**
     * Connections opened while an earlier one was still being read, oldest first: each is read
     * to its end, in turn, after the one before it (the last is {@link #writable} unless it was
     * lost too). Guarded by this.
     */
    private final ArrayDeque<Pipe> unread = new ArrayDeque<>();

    /**
     * Connections whose input was read to its end while they waited in {@link #unread}: their
     * turn to be read ends as it starts. Guarded by this.
     */
    private final Set<Pipe> readToTheirEnd = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Every connection the connector handed over, forgotten with the connection. Guarded by this. */
    private final Set<Pipe> handedOver = Collections.newSetFromMap(new WeakHashMap<>());

    /**
     * Connections that ended before the connector handed them over (their event loop saw the
     * peer leave while they opened), with how: {@link #connected} reports the loss. Guarded by this.
     */
    private final Map<Pipe, Ending> endedBeforeConnected = new IdentityHashMap<>();

    private volatile @Nullable PipeConnector connector;

    private volatile boolean closing;

    private volatile State state = State.NEW;

    private volatile @Nullable String stateReason;

    private volatile PipeMetrics metrics = PipeMetrics.NONE;

    private volatile @Nullable ApplicationEventPublisher eventPublisher;

    /**
     * A shared pipe whose pipe is attached later, when it opens.
     *
     * @param name the pipe's name, for logs, errors, headers and metrics
     * @param transport the transport of the pipe that will be attached
     */
    public SharedPipe(String name, Transport transport) {
        this.name = Objects.requireNonNull(name, "name");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.dispatcher = new InboundDispatcher(this);
    }

    /**
     * A shared pipe for a pipe that is already open.
     *
     * @param pipe the pipe
     * @return a shared pipe attached to it; a shared pipe is returned as it is
     */
    public static SharedPipe of(Pipe pipe) {
        Objects.requireNonNull(pipe, "pipe");
        if (pipe instanceof SharedPipe shared) {
            return shared;
        }
        SharedPipe shared = new SharedPipe(pipe.name(), pipe.transport());
        shared.attach(pipe);
        return shared;
    }

    /**
     * Attaches the open pipe this shared pipe stands for; endpoints waiting for it start reading.
     *
     * @param pipe the open pipe
     * @throws IllegalStateException when a pipe is already attached
     */
    public void attach(Pipe pipe) {
        Objects.requireNonNull(pipe, "pipe");
        synchronized (this) {
            if (this.delegate != null || this.connector != null) {
                throw new IllegalStateException("pipe '" + this.name + "' is already attached to "
                        + ((this.delegate != null) ? this.delegate : "a pipe it opens in the background"));
            }
            this.delegate = pipe;
            this.state = State.OPEN;
            this.stateReason = null;
        }
        publish(new PipeConnectionOpenedEvent(this, this.name, this.transport, null));
        this.dispatcher.pipeAttached();
    }

    /**
     * Opens the pipe this shared pipe stands for on a thread of its own, and again each time its
     * peer goes away, with the reconnection's backoff between failed attempts, until
     * {@link #close()}. Returns at once. Each pipe opened publishes a
     * {@link PipeConnectionOpenedEvent}, each one opened again a {@link PipeReconnectedEvent}
     * after it.
     *
     * @param reconnection how to open the pipe, and how long to wait between attempts
     * @throws IllegalStateException when a pipe is already attached or being opened
     */
    public void connectInBackground(Reconnection reconnection) {
        Objects.requireNonNull(reconnection, "reconnection");
        PipeConnector started;
        synchronized (this) {
            if (this.delegate != null || this.connector != null || this.closing) {
                throw new IllegalStateException("pipe '" + this.name + "' is already attached, opening or closed");
            }
            started = new PipeConnector(this, reconnection);
            this.connector = started;
            this.state = State.OPENING;
        }
        started.start();
    }

    /**
     * Records that the pipe is being opened: for health, while a rendezvous waits for its peer.
     */
    public void opening() {
        if (this.delegate == null) {
            this.state = State.OPENING;
        }
    }

    /**
     * Records that the pipe could not open, and publishes a {@link PipeConnectionFailedEvent}.
     *
     * @param cause why
     */
    public void failedToOpen(Throwable cause) {
        this.state = State.FAILED;
        this.stateReason = String.valueOf(cause.getMessage());
        this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
        publish(new PipeConnectionFailedEvent(this, this.name, this.transport, null, cause));
    }

    /**
     * @param metrics where to report messages and failures
     */
    public void setMetrics(PipeMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher applicationEventPublisher) {
        this.eventPublisher = applicationEventPublisher;
    }

    /**
     * Where a Unix socket or TCP pipe attached to this shared pipe hands its received messages
     * when it is opened with it as {@link io.pipc.PipeOptions.Builder#messageSink its sink} (the
     * starter opens its pipes so): replies complete the outbound gateway's waiting callers on the
     * pipe's event loop, and other messages go to the inbound endpoint, in order, on a task of
     * the {@linkplain #setTaskExecutor task executor}, with no reading thread.
     *
     * @return the sink, or null while no endpoint reads this pipe (then the pipe keeps its queue
     *         for application code to read)
     */
    public @Nullable MessageSink messageSink() {
        return (this.dispatcher.owners() != null) ? this.dispatcher.messageSink() : null;
    }

    /**
     * @param taskExecutor for a pipe opened with {@link #messageSink()}: runs the tasks that hand
     *        its messages other than replies to the inbound endpoint, one task at a time so that
     *        they keep their order; null (the default) for a thread of the pipe's own
     */
    public void setTaskExecutor(@Nullable Executor taskExecutor) {
        this.dispatcher.setTaskExecutor(taskExecutor);
    }

    /**
     * @param factory makes the pipe's own executor when no {@linkplain #setTaskExecutor task
     *        executor} is set (the starter's builds it the way Boot builds its
     *        {@code applicationTaskExecutor}); it is made when reading starts and shut down when
     *        the last endpoint stops. By default a single thread of Spring's
     */
    public void setTaskExecutorFactory(Supplier<? extends Executor> factory) {
        this.dispatcher.setTaskExecutorFactory(factory);
    }

    /**
     * @return whether an open pipe is attached
     */
    public boolean isAttached() {
        return this.delegate != null || this.connector != null;
    }

    /**
     * Waits until a pipe that connects in the background is open; returns at once for any other.
     *
     * @param timeout how long to wait at most
     * @return whether a pipe is open to write to
     */
    public boolean awaitOpen(Duration timeout) {
        if (this.connector == null) {
            return isOpen();
        }
        try {
            awaitPipe(true, deadline(timeout), timeout);
            return true;
        }
        catch (PipeException ex) {
            return false;
        }
    }

    /**
     * @return where a pipe that connects in the background goes (e.g. "fifo 'orders'"), or null
     */
    public @Nullable String peer() {
        PipeConnector current = this.connector;
        return (current != null) ? current.reconnection().peer() : null;
    }

    /**
     * @return the attempts to open the pipe so far, of the opening under way or the last one; 0
     *         for a pipe that does not connect in the background
     */
    public int attempts() {
        PipeConnector current = this.connector;
        return (current != null) ? current.attempts() : 0;
    }

    /**
     * @return why the last attempt to open the pipe failed, or null when none has
     */
    public @Nullable String lastFailure() {
        PipeConnector current = this.connector;
        Throwable failure = (current != null) ? current.lastFailure() : null;
        return (failure != null) ? String.valueOf(failure.getMessage()) : null;
    }

    /**
     * @return the state of this pipe, for health reports
     */
    public State state() {
        Pipe pipe = this.delegate;
        if (pipe != null && !pipe.isOpen() && this.state == State.OPEN) {
            return State.CLOSED;
        }
        return this.state;
    }

    /**
     * @return why the pipe is {@link State#FAILED failed} or {@link State#CLOSED closed}, when known
     */
    public @Nullable String stateReason() {
        return this.stateReason;
    }

    /**
     * @return the endpoints that own reading this pipe, or null when application code may read it
     */
    public @Nullable String readOwner() {
        return this.dispatcher.owners();
    }

    @Override
    public String name() {
        return this.name;
    }

    @Override
    public Transport transport() {
        return this.transport;
    }

    @Override
    public void write(Envelope message) {
        Objects.requireNonNull(message, "message");
        write(writable(), message);
    }

    /**
     * @return the connection a write would go to now, waiting for one up to the write timeout
     *         while the pipe (re)opens
     */
    Pipe connectionToWrite() {
        return writable();
    }

    /**
     * Writes to a connection got from {@link #connectionToWrite()}: a write that finds its peer
     * gone makes the pipe open again, as {@link #write(Envelope)} does.
     */
    void write(Pipe connection, Envelope message) {
        try {
            connection.write(message);
        }
        catch (PipeException ex) {
            throw writeFailed(connection, ex);
        }
        this.metrics.messageSent(origin(), message.payload().length);
    }

    /** Passes the array on to the pipe underneath, which may queue it without a copy (see {@link Pipe#handOver}). */
    @Override
    public void handOver(byte[] message) {
        Objects.requireNonNull(message, "message");
        Pipe pipe = writable();
        try {
            pipe.handOver(message);
        }
        catch (PipeException ex) {
            throw writeFailed(pipe, ex);
        }
        this.metrics.messageSent(origin(), message.length);
    }

    @Override
    public Envelope readEnvelope() {
        checkReadable();
        Pipe pipe = readable(FOREVER, null);
        try {
            return received(pipe.readEnvelope());
        }
        catch (PeerClosedException | PeerDisconnectedException ex) {
            throw readToTheEnd(pipe, ex);
        }
    }

    /**
     * Reads the next message, waiting at most {@code timeout}, for a pipe reopening too.
     * {@inheritDoc}
     */
    @Override
    public Envelope readEnvelope(Duration timeout) {
        checkReadable();
        long deadline = deadline(timeout);
        Pipe pipe = readable(deadline, timeout);
        Duration left = (deadline == FOREVER) ? timeout : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        try {
            return received(pipe.readEnvelope(left));
        }
        catch (PeerClosedException | PeerDisconnectedException ex) {
            throw readToTheEnd(pipe, ex);
        }
    }

    @Override
    public int size() {
        Pipe pipe = this.delegate;
        return (pipe != null) ? pipe.size() : 0;
    }

    @Override
    public List<byte[]> pending() {
        checkReadable();
        List<byte[]> messages = open().pending();
        for (byte[] message : messages) {
            this.metrics.messageReceived(origin(), message.length);
        }
        return messages;
    }

    @Override
    public List<Envelope> pendingEnvelopes() {
        checkReadable();
        List<Envelope> messages = open().pendingEnvelopes();
        for (Envelope message : messages) {
            this.metrics.messageReceived(origin(), message.payload().length);
        }
        return messages;
    }

    /** Part of reading: refused, like {@link #read()}, while an endpoint owns reading this pipe. */
    @Override
    public void stopReceiving() {
        checkReadable();
        open().stopReceiving();
    }

    @Override
    public void flush() {
        Pipe pipe = writable();
        try {
            pipe.flush();
        }
        catch (PipeException ex) {
            throw writeFailed(pipe, ex);
        }
    }

    /** Final: a pipe that connects in the background stops opening again. */
    @Override
    public void disconnect(String reason) {
        Pipe pipe = writable();
        stopConnecting();
        pipe.disconnect(reason);
    }

    @Override
    public boolean isOpen() {
        Pipe pipe = (this.connector != null) ? this.writable : this.delegate;
        return pipe != null && pipe.isOpen();
    }

    /**
     * Closes the attached pipe, if any: what was written is delivered, the peer is told goodbye.
     * A pipe that connects in the background stops opening, and a write waiting for it fails.
     */
    @Override
    public void close() {
        PipeConnector current = this.connector;
        Pipe read;
        Pipe write;
        List<Pipe> waiting;
        synchronized (this) {
            this.closing = true;
            read = this.delegate;
            write = this.writable;
            waiting = List.copyOf(this.unread);
            this.unread.clear();
            notifyAll();
        }
        for (Pipe pipe : waiting) {
            if (pipe != write) {
                pipe.close();
            }
        }
        if (current != null) {
            current.stop();
        }
        boolean wasOpen = (read != null && read.isOpen()) || (write != null && write.isOpen());
        if (write != null && write != read) {
            write.close();
        }
        if (read != null) {
            read.close();
        }
        if (wasOpen) {
            ended(read, "closed by this application", null, false);
        }
        else if (current != null) {
            this.state = State.CLOSED;
            this.stateReason = "closed by this application";
        }
    }

    @Override
    public Readiness readiness() {
        return open().readiness();
    }

    @Override
    public String toString() {
        return "SharedPipe[" + this.name + ", " + this.transport + ", " + state() + "]";
    }

    /**
     * @return the open pipe
     * @throws IllegalStateException when none is attached yet
     */
    Pipe open() {
        Pipe pipe = this.delegate;
        if (pipe == null && this.connector != null) {
            throw new IllegalStateException(waitingForThePeer("it is not open yet"));
        }
        if (pipe == null) {
            throw new IllegalStateException("pipe '" + this.name + "' is not open"
                    + (this.state == State.FAILED ? ": it failed to open (" + this.stateReason + ")"
                            : " yet: it opens when the application context starts"));
        }
        return pipe;
    }

    /**
     * @return the pipe to read, for the dispatcher, or null when none is attached yet
     */
    @Nullable Pipe delegate() {
        return this.delegate;
    }

    InboundDispatcher dispatcher() {
        return this.dispatcher;
    }

    PipeMetrics metrics() {
        return this.metrics;
    }

    PipeMetrics.Origin origin() {
        return new PipeMetrics.Origin(this.name, this.transport, PipeMetrics.Role.PIPE);
    }

    /**
     * Records that a connection of the pipe ended: a pipe that heals reads the next one once this
     * one's input is read, and opens it again; any other records that it ended, and publishes a
     * {@link PipeConnectionClosedEvent} (or failed event), once.
     *
     * @param connection the connection that ended; null for a pipe that had none
     * @param reason how it ended
     * @param failure the failure, when it broke rather than closed
     * @param onLoop whether this runs on the connection's event loop: then the events go to the
     *        pipe's executor, so that no listener runs there
     */
    void ended(@Nullable Pipe connection, String reason, @Nullable Throwable failure, boolean onLoop) {
        if (heals() && connection != null) {
            synchronized (this) {
                if (!isInUse(connection)) {
                    if (!this.handedOver.contains(connection)) {
                        // Not handed over yet: connected() reports it when it is.
                        this.endedBeforeConnected.put(connection, new Ending(reason, failure));
                    }
                    return;
                }
            }
            readToTheEnd(connection);
            lost(connection, reason, failure, onLoop);
            return;
        }
        synchronized (this) {
            if (this.state == State.CLOSED || this.state == State.FAILED) {
                return;
            }
            this.state = (failure != null) ? State.FAILED : State.CLOSED;
            this.stateReason = reason;
        }
        if (failure != null) {
            this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
            publish(new PipeConnectionFailedEvent(this, this.name, this.transport, null, failure), onLoop);
        }
        else {
            publish(new PipeConnectionClosedEvent(this, this.name, this.transport, null, reason), onLoop);
        }
    }

    /**
     * A connection this side closed ended. A pipe that heals closes those it is done with, and
     * hears nothing more of them; one it still reads or writes (closed from elsewhere) is lost
     * all the same.
     */
    void closedHere(Pipe connection, String reason, boolean onLoop) {
        synchronized (this) {
            if (!isInUse(connection)) {
                return;
            }
        }
        if (heals()) {
            readToTheEnd(connection);
            lost(connection, reason, null, onLoop);
        }
    }

    /**
     * @return whether this pipe opens again when its peer goes away: it connects in the
     *         background and is not closed
     */
    boolean heals() {
        return this.connector != null && !this.closing && !this.dispatcher.isInboundStopping();
    }

    /**
     * The connector opened a pipe: writes go to it now, and reads once the input of the pipe
     * before it has been read to its end.
     *
     * @param pipe the open pipe
     * @param reconnected whether a pipe was open before
     * @param attempts how many attempts it took
     * @return false when this shared pipe was closed meanwhile (and the pipe closed too)
     */
    boolean connected(Pipe pipe, boolean reconnected, int attempts) {
        Pipe retired = null;
        // No endpoint will read the lost pipe to its end: with nothing queued, nobody will read it.
        boolean unread = this.dispatcher.owners() == null;
        Ending endedMeanwhile;
        boolean refused;
        PipeConnector current;
        Pipe abandoned = null;
        synchronized (this) {
            current = this.connector;
            // Once the inbound endpoint asked the peer to stop sending, the pipe is shutting down.
            refused = this.closing || this.dispatcher.isInboundStopping();
            this.handedOver.add(pipe);
            endedMeanwhile = this.endedBeforeConnected.remove(pipe);
            if (!refused && endedMeanwhile == null) {
                this.writable = pipe;
                Pipe lost = this.delegate;
                if (lost == null || this.drained || (unread && lost.size() == 0 && this.unread.isEmpty())) {
                    retired = lost;
                    this.delegate = pipe;
                    this.drained = false;
                    this.readToTheirEnd.remove(lost);
                }
                else {
                    this.unread.add(pipe);
                    if (lost != this.writable && this.dispatcher.handsOverThroughSink(lost)) {
                        // Lost to a write while its reading was paused: a reset, which took what the
                        // operating system held. Its end may never be read, so it is closed: what the
                        // sink took is handed over first, then this connection is read.
                        abandoned = lost;
                    }
                }
                this.state = State.OPEN;
                this.stateReason = null;
                notifyAll();
            }
            else if (!refused && endedMeanwhile != null) {
                // Its peer left while it opened, before it could deliver anything: it is never used.
                this.state = reconnected ? State.RECONNECTING : State.OPENING;
                this.stateReason = endedMeanwhile.reason();
            }
        }
        // Closed outside the monitor: a pipe's close may wait for its event loop, which may be waiting for it.
        if (refused) {
            pipe.close();
            return false;
        }
        if (endedMeanwhile != null) {
            pipe.close();
            logger.info("pipe '{}': its peer ({}) went away while the pipe opened ({}); opening it again", this.name,
                    peer(), endedMeanwhile.reason());
            if (current != null) {
                current.peerLost();
            }
            return true;
        }
        if (retired != null) {
            retired.close();
        }
        if (abandoned != null) {
            abandoned.close();
        }
        publish(new PipeConnectionOpenedEvent(this, this.name, this.transport, null));
        if (reconnected) {
            logger.info("pipe '{}' is open again: {} came back after {} attempts", this.name, peer(), attempts);
            publish(new PipeReconnectedEvent(this, this.name, this.transport, attempts));
        }
        this.dispatcher.pipeAttached();
        return true;
    }

    /**
     * @return the connections whose input is still to be read, oldest first: the one being read,
     *         those waiting their turn, and the one written to
     */
    synchronized List<Pipe> connectionsToRead() {
        List<Pipe> connections = new ArrayList<>(this.unread.size() + 2);
        Pipe read = this.delegate;
        if (read != null && !this.drained) {
            connections.add(read);
        }
        connections.addAll(this.unread);
        Pipe write = this.writable;
        if (write != null && !connections.contains(write)) {
            connections.add(write);
        }
        return connections;
    }

    /**
     * The connector gave up, as its backoff said.
     *
     * @param cause why the last attempt failed
     * @param attempts how many attempts there were
     */
    void gaveUp(Throwable cause, int attempts) {
        logger.warn("pipe '{}': gave up opening {} after {} attempts: {}", this.name, peer(), attempts, cause.toString());
        failedToOpen(cause);
        synchronized (this) {
            notifyAll();
        }
    }

    /**
     * @return the pipe to write to, waiting for one up to the write timeout while it (re)opens
     */
    private Pipe writable() {
        PipeConnector current = this.connector;
        if (current == null) {
            return open();
        }
        Pipe pipe = this.writable;
        if (pipe != null) {
            return pipe;
        }
        Duration timeout = current.reconnection().writeTimeout();
        return awaitPipe(true, deadline(timeout), timeout);
    }

    /**
     * @return the {@link System#nanoTime()} at which {@code timeout} from now ends, or
     *         {@link #FOREVER} for a timeout of more than a century
     */
    private static long deadline(Duration timeout) {
        if (timeout.compareTo(Duration.ofDays(36_500)) > 0) {
            return FOREVER;
        }
        return System.nanoTime() + timeout.toNanos();
    }

    /**
     * @param deadline the {@link System#nanoTime()} to wait until, or {@link #FOREVER}
     * @param timeout the wait, for the error; null when forever
     * @return the pipe to read from, waiting while it (re)opens
     */
    private Pipe readable(long deadline, @Nullable Duration timeout) {
        if (this.connector == null) {
            return open();
        }
        return awaitPipe(false, deadline, timeout);
    }

    private Pipe awaitPipe(boolean forWriting, long deadline, @Nullable Duration timeout) {
        synchronized (this) {
            while (true) {
                Pipe pipe = forWriting ? this.writable : (this.drained ? null : this.delegate);
                if (pipe != null) {
                    return pipe;
                }
                if (this.closing) {
                    throw new PipeClosedException("pipe '" + this.name + "' is closed");
                }
                if (this.state == State.FAILED) {
                    throw new PipeException(waitingForThePeer("it gave up opening again: " + this.stateReason));
                }
                long remaining = (deadline == FOREVER) ? FOREVER : deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new PipeTimeoutException(waitingForThePeer((forWriting ? "nothing was written" : "nothing was read")
                            + " within " + ((timeout != null) ? timeout.toMillis() + "ms" : "ever") + (forWriting ? " (write-timeout)" : "")));
                }
                try {
                    if (remaining == FOREVER) {
                        wait();
                    }
                    else {
                        TimeUnit.NANOSECONDS.timedWait(this, remaining);
                    }
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new PipeException(waitingForThePeer("interrupted while waiting"), ex);
                }
            }
        }
    }

    private String waitingForThePeer(String what) {
        Pipe open = this.writable;
        State now = (open != null) ? State.OPEN : this.state;
        String lastFailure = lastFailure();
        return "pipe '" + this.name + "' is waiting for its peer (" + peer() + "): " + what + "; it is "
                + ((now == State.RECONNECTING) ? "reconnecting" : "connecting") + " (attempt " + attempts()
                + ((lastFailure != null) ? ", last failure: " + lastFailure : "") + ")";
    }

    /**
     * A write failed: when the peer went away, the pipe opens again; the writer gets the exception.
     */
    private PipeException writeFailed(Pipe pipe, PipeException ex) {
        if (heals() && (ex instanceof PeerClosedException || ex instanceof PeerDisconnectedException
                || !pipe.isOpen())) {
            lost(pipe, String.valueOf(ex.getMessage()),
                    (ex instanceof PeerClosedException || ex instanceof PeerDisconnectedException) ? null : ex, false);
        }
        return ex;
    }

    /** Application code read a pipe to its end: the next read is of the next connection. */
    private PipeException readToTheEnd(Pipe pipe, PipeException end) {
        if (heals()) {
            readToTheEnd(pipe);
            lost(pipe, String.valueOf(end.getMessage()), null, false);
        }
        return end;
    }

    /**
     * The input of {@code pipe} has been read to its end: reads go on with the next pipe, or the
     * one after it when the next was read to its end already.
     */
    private void readToTheEnd(Pipe pipe) {
        List<Pipe> retired = new ArrayList<>(1);
        synchronized (this) {
            if (pipe != this.delegate) {
                if (this.unread.contains(pipe)) {
                    this.readToTheirEnd.add(pipe);
                }
                return;
            }
            Pipe done = pipe;
            while (true) {
                Pipe next = this.unread.poll();
                if (next == null) {
                    this.drained = true;
                    break;
                }
                retired.add(done);
                this.delegate = next;
                if (!this.readToTheirEnd.remove(next)) {
                    break;
                }
                done = next;
            }
        }
        if (!retired.isEmpty()) {
            retired.forEach(Pipe::close);
            this.dispatcher.pipeAttached();
        }
    }

    /** The peer of {@code pipe} went away: once per pipe, writes wait and the connector opens it again. */
    private void lost(Pipe pipe, String reason, @Nullable Throwable failure, boolean onLoop) {
        PipeConnector current;
        boolean neverRead;
        synchronized (this) {
            current = this.connector;
            if (current == null || this.closing || pipe != this.writable) {
                return;
            }
            this.writable = null;
            this.state = State.RECONNECTING;
            this.stateReason = reason;
            neverRead = pipe != this.delegate;
        }
        if (neverRead) {
            // Lost while the connection before it was still being read: it waits in unread, its input
            // to be read to its end in turn, like the one before it.
            logger.debug("pipe '{}': a connection lost before it was read keeps its {} messages for reading",
                    this.name, pipe.size());
        }
        logger.info("pipe '{}': its peer ({}) went away ({}); opening it again", this.name, peer(), reason);
        if (failure != null) {
            this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
            publish(new PipeConnectionFailedEvent(this, this.name, this.transport, null, failure), onLoop);
        }
        else {
            publish(new PipeConnectionClosedEvent(this, this.name, this.transport, null, reason), onLoop);
        }
        current.peerLost();
    }

    private void stopConnecting() {
        PipeConnector current = this.connector;
        if (current != null) {
            this.closing = true;
            current.stop();
        }
    }

    /** Publishes an end: from an event loop, on the pipe's executor, so that no listener runs on the loop. */
    private void publish(PipeEvent event, boolean onLoop) {
        if (onLoop && this.eventPublisher != null) {
            this.dispatcher.offLoop(() -> publish(event));
        }
        else {
            publish(event);
        }
    }

    private void publish(PipeEvent event) {
        ApplicationEventPublisher publisher = this.eventPublisher;
        if (publisher != null) {
            publisher.publishEvent(event);
        }
    }

    private Envelope received(Envelope message) {
        this.metrics.messageReceived(origin(), message.payload().length);
        return message;
    }

    private void checkReadable() {
        String owners = this.dispatcher.owners();
        if (owners != null) {
            throw new IllegalStateException("pipe '" + this.name + "' is read by " + owners
                    + ": application code cannot read it too, or each would see only some messages"
                    + " (write() works; to read yourself, remove the inbound-channel or gateway of this pipe)");
        }
    }

    /** Under this monitor: whether the connection is read or written, or waits to be read. */
    private boolean isInUse(Pipe connection) {
        return connection == this.delegate || connection == this.writable || this.unread.contains(connection);
    }

    /** How a connection ended, kept until it is handed over. */
    private record Ending(String reason, @Nullable Throwable failure) {
    }

    /** Where a shared pipe is in its life, for health reports. */
    public enum State {
        /** Made, not opened yet. */
        NEW,
        /** Opening: a rendezvous or connect is waiting for the peer. */
        OPENING,
        /** Open. */
        OPEN,
        /** Its peer went away: opening again, with backoff. */
        RECONNECTING,
        /** Closed by this application or by the peer. */
        CLOSED,
        /** Could not open, or broke. */
        FAILED
    }
}
