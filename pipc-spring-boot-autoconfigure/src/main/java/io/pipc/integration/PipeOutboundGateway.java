package io.pipc.integration;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.pipc.Codec;
import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.integration.observation.DefaultPipcRequestSendObservationConvention;
import io.pipc.integration.observation.PipcObservationDocumentation;
import io.pipc.integration.observation.PipcRequestSendObservationConvention;
import io.pipc.integration.observation.PipcSenderContext;
import io.pipc.transport.AdaptiveSpin;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.MessageTimeoutException;
import org.springframework.integration.handler.AbstractReplyProducingMessageHandler;
import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.integration.support.management.ManageableLifecycle;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandlingException;

/**
 * Request and reply from the application side: writes each request to the pipe with a fresh
 * correlation id and produces, as its reply, the message that comes back with that id. Many
 * requests may be pending at once, from any number of threads; each gets its own reply.
 *
 * <p>The gateway reads the pipe (see {@link SharedPipe}); messages that answer none of its
 * requests go to the pipe's inbound endpoint, when it has one on the same {@code SharedPipe}.
 * A reply that does not come within the reply timeout fails the request with a
 * {@link MessageTimeoutException}; when the pipe ends, pending requests fail at once.
 *
 * <p>A calling thread whose request is the only one pending waits for its reply spinning at
 * first, for up to the {@linkplain #setReplySpin(Duration) reply spin}, and parks only if the
 * reply has not come by then: such a reply over a socket often comes within tens of
 * microseconds, sooner than a parked thread is woken and scheduled again. A caller parks at
 * once, or stops spinning, when other requests are pending too.
 *
 * <p>With {@link #setAsync(boolean) async}, the calling thread does not wait: the reply is
 * produced when it arrives.
 *
 * <p>With an {@link #setObservationRegistry(ObservationRegistry) observation registry}, each
 * request, until its reply comes, is a {@code pipc.request.send} observation (see
 * {@link PipcObservationDocumentation}), whose trace context travels in the request's
 * application headers, so that the peer's handling continues the trace.
 */
public final class PipeOutboundGateway extends AbstractReplyProducingMessageHandler implements ManageableLifecycle {

    /** The reply spin unless set otherwise. */
    public static final Duration DEFAULT_REPLY_SPIN = Duration.ofNanos(100_000);

    /**
     * How much shorter than the reply spin a caller's spin gets after spins in vain: replies that
     * take longer than the spin (a slow service, many requests in flight) cost little spinning.
     */
    private static final int SPIN_FLOOR_DIVISOR = 32;

    private final SharedPipe pipe;

    /** Requests waiting for their reply, by correlation id, with the connection each was written to. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /**
     * Correlation ids are this prefix and a count: unique among this gateway's requests without
     * a {@code UUID.randomUUID()} (a synchronised {@code SecureRandom}) per request. The random
     * prefix keeps them apart from the ids of the requests the peer sends over the same pipe,
     * which an inbound gateway here must not take for replies.
     */
    private final String correlationPrefix = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE,
            Character.MAX_RADIX) + "-";

    private final AtomicLong requests = new AtomicLong();

    private volatile PipeMessageMapper mapper = new PipeMessageMapper();

    private volatile Duration replyTimeout = Duration.ofSeconds(30);

    private volatile Duration replySpin = DEFAULT_REPLY_SPIN;

    /** How a caller spins for its reply, or null for not at all. */
    private volatile @Nullable AdaptiveSpin spinForReply = spinFor(DEFAULT_REPLY_SPIN);

    /** Whether a caller spins for its reply now: one at a time, so that callers never take every core. */
    private final AtomicBoolean spinning = new AtomicBoolean();

    private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private volatile @Nullable PipcRequestSendObservationConvention requestSendObservationConvention;

    private volatile boolean running;

    private @Nullable String owner;

    /**
     * @param pipe the pipe to send requests over
     */
    public PipeOutboundGateway(Pipe pipe) {
        this.pipe = SharedPipe.of(Objects.requireNonNull(pipe, "pipe"));
    }

    /**
     * @param codec encodes requests and decodes replies; null (the default) for {@code byte[]}
     */
    public void setCodec(@Nullable Codec<?> codec) {
        this.mapper = this.mapper.withCodec(codec);
    }

    /**
     * @param headerMapper chooses which message headers travel as the wire's application headers
     *        and which received ones are set; by default a {@link PipcHeaderMapper}, which lets
     *        trace context cross and nothing else
     */
    public void setHeaderMapper(HeaderMapper<Map<String, String>> headerMapper) {
        this.mapper = this.mapper.withHeaderMapper(headerMapper);
    }

    /**
     * @param replyTimeout how long a request waits for its reply; default 30 seconds
     */
    public void setReplyTimeout(Duration replyTimeout) {
        if (replyTimeout.isNegative() || replyTimeout.isZero()) {
            throw new IllegalArgumentException("replyTimeout must be positive (was " + replyTimeout + ")");
        }
        this.replyTimeout = replyTimeout;
    }

    /**
     * @param observationRegistry where each request is observed as {@code pipc.request.send};
     *        by default {@link ObservationRegistry#NOOP}: not observed. Apart from Spring
     *        Integration's own observations of handlers, which it turns on by name patterns.
     */
    public void setObservationRegistry(ObservationRegistry observationRegistry) {
        this.observationRegistry = Objects.requireNonNull(observationRegistry, "observationRegistry");
    }

    /**
     * @param convention names and tags the observation of each request; null (the default) for
     *        {@link DefaultPipcRequestSendObservationConvention}
     */
    public void setRequestSendObservationConvention(@Nullable PipcRequestSendObservationConvention convention) {
        this.requestSendObservationConvention = convention;
    }

    /**
     * @return how long a request waits for its reply
     */
    public Duration getReplyTimeout() {
        return this.replyTimeout;
    }

    /**
     * How long a calling thread may spin for its reply before it parks; zero to park at once.
     * Parking costs the caller and the thread that completes the reply a system call each and
     * the caller a trip through the scheduler; on a virtual machine, waking a thread onto an
     * idle core costs tens of microseconds more. A caller spins only while its request is the
     * only one pending: behind other requests, a reply waits for their work, and the cores have
     * that work to do meanwhile. The spin adapts: spins in vain shorten it (to a thirty-second of
     * this), a spin that sees the reply restores it; at most one caller spins at a time, never
     * past the reply timeout. A virtual thread never spins; nor does an
     * {@link #setAsync(boolean) async} request, whose caller does not wait.
     *
     * @param replySpin the longest spin; default {@link #DEFAULT_REPLY_SPIN} (100 µs)
     */
    public void setReplySpin(Duration replySpin) {
        if (replySpin.isNegative()) {
            throw new IllegalArgumentException("replySpin must not be negative (was " + replySpin + ")");
        }
        this.spinForReply = spinFor(replySpin);
        this.replySpin = replySpin;
    }

    /**
     * @return how long a calling thread may spin for its reply before it parks
     */
    public Duration getReplySpin() {
        return this.replySpin;
    }

    private static @Nullable AdaptiveSpin spinFor(Duration replySpin) {
        if (replySpin.isZero()) {
            return null;
        }
        Duration floor = replySpin.dividedBy(SPIN_FLOOR_DIVISOR);
        return AdaptiveSpin.timed(replySpin, floor.isZero() ? Duration.ofNanos(1) : floor);
    }

    /**
     * @return how many requests wait for their reply now
     */
    public int getPending() {
        return this.pending.size();
    }

    @Override
    public String getComponentType() {
        return "pipc:outbound-gateway";
    }

    @Override
    protected void doInit() {
        String name = getComponentName();
        this.owner = (name != null) ? name : "outbound gateway of pipe '" + this.pipe.name() + "'";
        this.pipe.dispatcher().registerReplies(this.owner, new ReplyListener() {

            @Override
            public boolean offerReply(Envelope message) {
                Pending waiting = PipeOutboundGateway.this.pending.remove(message.correlationId());
                return waiting != null && waiting.reply().complete(message);
            }

            @Override
            public void awaitReplies(long deadlineNanos) {
                CompletableFuture<?> all = CompletableFuture
                        .allOf(PipeOutboundGateway.this.pending.values().stream().map(Pending::reply)
                                .toArray(CompletableFuture[]::new));
                try {
                    all.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                catch (ExecutionException | TimeoutException ex) {
                    // A failed or late request fails its own caller; the shutdown goes on.
                }
            }

            @Override
            public void connectionEnded(Pipe connection, PipeException cause) {
                for (Pending waiting : PipeOutboundGateway.this.pending.values()) {
                    if (waiting.connection() == connection) {
                        waiting.reply().completeExceptionally(cause);
                    }
                }
            }
        });
    }

    @Override
    public void start() {
        if (!this.running) {
            this.running = true;
            this.pipe.dispatcher().start(Objects.requireNonNull(this.owner, "not initialized"));
        }
    }

    @Override
    public void stop() {
        if (this.running) {
            this.running = false;
            this.pipe.dispatcher().stop(Objects.requireNonNull(this.owner, "not initialized"), Duration.ZERO);
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    protected @Nullable Object handleRequestMessage(Message<?> requestMessage) {
        Observation observation = PipcObservationDocumentation.REQUEST_SEND.observation(
                this.requestSendObservationConvention, DefaultPipcRequestSendObservationConvention.INSTANCE,
                () -> new PipcSenderContext(this.pipe.origin(), requestMessage, Kind.CLIENT), this.observationRegistry);
        observation.start();
        boolean replyLater = false;
        try (Observation.Scope scope = observation.openScope()) {
            Object reply = request(requestMessage, observation);
            if (reply instanceof CompletableFuture<?> later) {
                replyLater = true;
                return later.whenComplete((message, failure) -> {
                    if (failure != null) {
                        observation.error(unwrap(failure));
                    }
                    observation.stop();
                });
            }
            return reply;
        }
        catch (RuntimeException ex) {
            observation.error(ex);
            throw ex;
        }
        finally {
            if (!replyLater) {
                observation.stop();
            }
        }
    }

    private Object request(Message<?> requestMessage, Observation observation) {
        PipcSenderContext context = (observation.getContext() instanceof PipcSenderContext sender) ? sender : null;
        if (this.pipe.dispatcher().isInputEnded()) {
            throw new MessageHandlingException(requestMessage, "pipe '" + this.pipe.name() + "' receives nothing more"
                    + " (its input ended: the peer left, or this application is stopping), so no reply could come;"
                    + " the request was not written");
        }
        String correlationId = this.correlationPrefix + Long.toString(this.requests.incrementAndGet(),
                Character.MAX_RADIX);
        if (context != null) {
            context.setCorrelationId(correlationId);
        }
        Envelope request = this.mapper.toEnvelope(requestMessage, () -> "pipe '" + this.pipe.name() + "'",
                (context != null) ? context.getHeaders() : Map.of());
        CompletableFuture<Envelope> reply = new CompletableFuture<>();
        try {
            Pipe connection = this.pipe.connectionToWrite();
            // Pending with its connection before the write, so that the connection's end, however soon, fails it.
            this.pending.put(correlationId, new Pending(reply, connection));
            this.pipe.write(connection, request.withCorrelationId(correlationId));
        }
        catch (PipeException | IllegalStateException ex) {
            this.pending.remove(correlationId);
            throw new MessageHandlingException(requestMessage, "could not write the request to pipe '"
                    + this.pipe.name() + "': " + ex.getMessage(), ex);
        }
        if (isAsync()) {
            return reply.orTimeout(this.replyTimeout.toNanos(), TimeUnit.NANOSECONDS)
                    .handle((envelope, failure) -> {
                        this.pending.remove(correlationId);
                        if (failure != null) {
                            throw failure(requestMessage, correlationId, unwrap(failure));
                        }
                        return replyMessage(envelope);
                    });
        }
        try {
            long deadline = System.nanoTime() + this.replyTimeout.toNanos();
            spinUntilDone(reply, deadline);
            return replyMessage(reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        }
        catch (TimeoutException ex) {
            throw failure(requestMessage, correlationId, ex);
        }
        catch (ExecutionException ex) {
            throw failure(requestMessage, correlationId, ex.getCause());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new MessageHandlingException(requestMessage, "interrupted while waiting for the reply from pipe '"
                    + this.pipe.name() + "'", ex);
        }
        finally {
            this.pending.remove(correlationId);
        }
    }

    /**
     * Spins for the reply for a while, but not past {@code deadline} (a {@code System.nanoTime()}),
     * and only while it is the only request pending (see {@link #setReplySpin}).
     */
    private void spinUntilDone(CompletableFuture<Envelope> reply, long deadline) {
        AdaptiveSpin spin = this.spinForReply;
        if (spin != null && !reply.isDone() && this.spinning.compareAndSet(false, true)) {
            try {
                // Another request pending ends the spin: its reply comes after work for others, who keep the cores busy.
                spin.awaitUntil(() -> reply.isDone() || this.pending.size() > 1 || System.nanoTime() - deadline >= 0);
            }
            finally {
                this.spinning.set(false);
            }
        }
    }

    private Message<?> replyMessage(Envelope reply) {
        ReceivedMessage received = new ReceivedMessage(reply, this.pipe.origin(), null, this.pipe::write);
        return this.mapper.toMessage(received, getMessageBuilderFactory());
    }

    private RuntimeException failure(Message<?> request, String correlationId, @Nullable Throwable cause) {
        if (cause instanceof TimeoutException) {
            this.pipe.metrics().failure(this.pipe.origin(), PipeMetrics.Failure.REPLY_TIMEOUT);
            return new MessageTimeoutException(request, "pipe '" + this.pipe.name() + "': no reply within "
                    + this.replyTimeout + " to the request with correlation id '" + correlationId + "'");
        }
        String description = "pipe '" + this.pipe.name() + "' ended before the reply to the request with correlation id '"
                + correlationId + "' came: ";
        return (cause != null) ? new MessageHandlingException(request, description + cause.getMessage(), cause)
                : new MessageHandlingException(request, description + "unknown cause");
    }

    private static Throwable unwrap(Throwable failure) {
        return (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null)
                ? failure.getCause() : failure;
    }

    /** A request waiting for its reply, and the connection it was written to. */
    private record Pending(CompletableFuture<Envelope> reply, Pipe connection) {
    }
}
