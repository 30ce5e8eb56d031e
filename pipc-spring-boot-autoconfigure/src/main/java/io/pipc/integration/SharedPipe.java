package io.pipc.integration;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.Pipe;
import io.pipc.Readiness;
import io.pipc.Transport;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionFailedEvent;
import io.pipc.integration.event.PipeConnectionOpenedEvent;
import io.pipc.integration.event.PipeEvent;

import org.jspecify.annotations.Nullable;

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
 * the real pipe when the context starts. Until then every operation but {@link #name()},
 * {@link #transport()}, {@link #isOpen()} and {@link #size()} throws an
 * {@link IllegalStateException} saying so.
 *
 * <p>To use an inbound endpoint and an outbound gateway on one pipe (requests both ways), give
 * both the same {@code SharedPipe}: it hands each reply to the gateway that waits for it and
 * everything else to the inbound endpoint.
 */
public final class SharedPipe implements Pipe, ApplicationEventPublisherAware {

    private final String name;

    private final Transport transport;

    private final InboundDispatcher dispatcher;

    private volatile @Nullable Pipe delegate;

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
            if (this.delegate != null) {
                throw new IllegalStateException("pipe '" + this.name + "' is already attached to " + this.delegate);
            }
            this.delegate = pipe;
            this.state = State.OPEN;
            this.stateReason = null;
        }
        publish(new PipeConnectionOpenedEvent(this, this.name, this.transport, null));
        this.dispatcher.pipeAttached();
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
        return this.delegate != null;
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
        open().write(message);
        this.metrics.messageSent(origin(), message.payload().length);
    }

    /** Passes the array on to the pipe underneath, which may queue it without a copy (see {@link Pipe#handOver}). */
    @Override
    public void handOver(byte[] message) {
        Objects.requireNonNull(message, "message");
        open().handOver(message);
        this.metrics.messageSent(origin(), message.length);
    }

    @Override
    public Envelope readEnvelope() {
        checkReadable();
        return received(open().readEnvelope());
    }

    @Override
    public Envelope readEnvelope(Duration timeout) {
        checkReadable();
        return received(open().readEnvelope(timeout));
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
        open().flush();
    }

    @Override
    public void disconnect(String reason) {
        open().disconnect(reason);
    }

    @Override
    public boolean isOpen() {
        Pipe pipe = this.delegate;
        return pipe != null && pipe.isOpen();
    }

    /**
     * Closes the attached pipe, if any: what was written is delivered, the peer is told goodbye.
     */
    @Override
    public void close() {
        Pipe pipe = this.delegate;
        if (pipe != null && pipe.isOpen()) {
            pipe.close();
            ended("closed by this application", null);
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
     * Records that the pipe ended, and publishes a {@link PipeConnectionClosedEvent}, once.
     *
     * @param reason how it ended
     * @param failure the failure, when it broke rather than closed
     */
    void ended(String reason, @Nullable Throwable failure) {
        synchronized (this) {
            if (this.state == State.CLOSED || this.state == State.FAILED) {
                return;
            }
            this.state = (failure != null) ? State.FAILED : State.CLOSED;
            this.stateReason = reason;
        }
        if (failure != null) {
            this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
            publish(new PipeConnectionFailedEvent(this, this.name, this.transport, null, failure));
        }
        else {
            publish(new PipeConnectionClosedEvent(this, this.name, this.transport, null, reason));
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

    /** Where a shared pipe is in its life, for health reports. */
    public enum State {
        /** Made, not opened yet. */
        NEW,
        /** Opening: a rendezvous or connect is waiting for the peer. */
        OPENING,
        /** Open. */
        OPEN,
        /** Closed by this application or by the peer. */
        CLOSED,
        /** Could not open, or broke. */
        FAILED
    }
}
