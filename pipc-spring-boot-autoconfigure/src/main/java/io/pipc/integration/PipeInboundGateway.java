package io.pipc.integration;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.pipc.Codec;
import io.pipc.Pipe;
import io.pipc.integration.observation.DefaultPipcRequestReceiveObservationConvention;
import io.pipc.integration.observation.PipcObservationDocumentation;
import io.pipc.integration.observation.PipcReceiverContext;
import io.pipc.integration.observation.PipcRequestReceiveObservationConvention;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.integration.gateway.MessagingGatewaySupport;
import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.integration.support.management.metrics.MetricsCaptor;
import org.springframework.integration.support.management.metrics.SampleFacade;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageDeliveryException;
import org.springframework.messaging.MessagingException;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.support.ErrorMessage;

/**
 * Request and reply over a pipe, or a server: every message read is a request sent to the
 * request channel, and the flow's reply is written back to the pipe, or to the client that
 * asked, with the request's correlation id. Concurrent requests over one connection are told
 * apart by that id, so replies may leave in any order.
 *
 * <p>A server hands each request over as a task of its own on its executor, up to
 * max-in-flight per client: the task sends it and waits for the reply (with a
 * {@code DirectChannel} the flow runs right there), so one client's requests are handled
 * concurrently however slow the flow. A pipe's reading thread (for a Unix socket or TCP pipe
 * opened with its {@link SharedPipe#messageSink()}, the task on the pipe's executor that hands its
 * messages over) sends each request without
 * waiting for the reply: with a {@code DirectChannel} the pipe's requests are handled one at a
 * time; with an {@code ExecutorChannel} (or any asynchronous flow) many are in flight at once,
 * and each reply is written from whichever thread produces it.
 *
 * <p>Stopping hands over every request the peer sent until it was asked to stop sending, as
 * {@link PipeInboundChannelAdapter} does, and then waits for the replies in flight to be
 * written, all within the shutdown grace period.
 *
 * <p>At most {@link #setMaxInFlight(int) max-in-flight} requests (default 1000) are handled at
 * once; beyond that the next request waits for a reply before it is sent (on a pipe's reading
 * thread, or a server's task; a server also stops reading a client with max-in-flight requests
 * being handed over), so the inbound queue fills and the requester's writes wait: an
 * asynchronous flow cannot make requests pile up in memory.
 *
 * <p>A reply that does not come within the reply timeout (default 30 seconds) is given up, and
 * the requester gets none; nor does it when the flow fails and there is no error channel whose
 * flow replies. Both are logged and counted. A request whose payload the codec cannot decode
 * gets no reply either.
 *
 * <p>With an {@link #setObservationRegistry(ObservationRegistry) observation registry}, each
 * request, until its reply is written, is a {@code pipc.request.receive} observation (see
 * {@link PipcObservationDocumentation}) that continues the requester's trace, whose context came
 * in the request's application headers, and is current while the flow handles the request.
 */
public final class PipeInboundGateway extends MessagingGatewaySupport {

    private static final Logger logger = LoggerFactory.getLogger(PipeInboundGateway.class);

    private final InboundSource source;

    private final Object inFlightMonitor = new Object();

    private int inFlight;

    private int maxInFlight = 1000;

    private volatile PipeMessageMapper mapper = new PipeMessageMapper();

    private volatile Duration replyTimeout = Duration.ofSeconds(30);

    private volatile Duration shutdownGracePeriod = Duration.ofSeconds(10);

    private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private volatile @Nullable PipcRequestReceiveObservationConvention requestReceiveObservationConvention;

    private @Nullable String owner;

    /*
     * What Spring Integration's sendAndReceive adds beyond a send and a wait, told by the setters
     * (resolving a channel's name here would resolve it before its first use): while any is set,
     * requests take that path; else a server's task sends each request with a reply channel of
     * its own (see AwaitedReply).
     */

    private volatile boolean withReplyChannel;

    private volatile boolean withErrorChannel;

    private volatile boolean errorOnTimeout;

    private volatile boolean tracked;

    private volatile @Nullable MetricsCaptor metricsCaptor;

    /**
     * @param pipe the pipe to serve; a {@link SharedPipe} is read through its dispatcher
     */
    public PipeInboundGateway(Pipe pipe) {
        this.source = new InboundSource.OfPipe(SharedPipe.of(Objects.requireNonNull(pipe, "pipe")));
        setPhase(Integer.MAX_VALUE / 2);
    }

    /**
     * @param connections the clients of a server
     */
    public PipeInboundGateway(ServerConnections connections) {
        this.source = new InboundSource.OfServer(Objects.requireNonNull(connections, "connections"));
        setPhase(Integer.MAX_VALUE / 2);
    }

    /**
     * @param codec decodes requests and encodes replies; null (the default) for {@code byte[]}
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

    @Override
    public void setReplyTimeout(long replyTimeout) {
        super.setReplyTimeout(replyTimeout);
        this.replyTimeout = Duration.ofMillis(replyTimeout);
    }

    @Override
    public void setReplyChannel(MessageChannel replyChannel) {
        super.setReplyChannel(replyChannel);
        this.withReplyChannel = true;
    }

    @Override
    public void setReplyChannelName(String replyChannelName) {
        super.setReplyChannelName(replyChannelName);
        this.withReplyChannel = true;
    }

    @Override
    public void setErrorChannel(MessageChannel errorChannel) {
        super.setErrorChannel(errorChannel);
        this.withErrorChannel = true;
    }

    @Override
    public void setErrorChannelName(String errorChannelName) {
        super.setErrorChannelName(errorChannelName);
        this.withErrorChannel = true;
    }

    @Override
    public void setErrorOnTimeout(boolean errorOnTimeout) {
        super.setErrorOnTimeout(errorOnTimeout);
        this.errorOnTimeout = errorOnTimeout;
    }

    @Override
    public void setShouldTrack(boolean shouldTrack) {
        super.setShouldTrack(shouldTrack);
        this.tracked = shouldTrack;
    }

    @Override
    public void registerMetricsCaptor(MetricsCaptor metricsCaptor) {
        super.registerMetricsCaptor(metricsCaptor);
        this.metricsCaptor = metricsCaptor;
    }

    /**
     * @param replyTimeout how long to wait for the flow's reply
     */
    public void setReplyTimeout(Duration replyTimeout) {
        setReplyTimeout(replyTimeout.toMillis());
    }

    /**
     * @param shutdownGracePeriod for a pipe, how long a stop may take to handle the requests
     *        already queued and write their replies; default 10 seconds. A server's is set on its
     *        {@link ServerConnections}.
     */
    public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
        this.shutdownGracePeriod = Objects.requireNonNull(shutdownGracePeriod, "shutdownGracePeriod");
    }

    /**
     * @param observationRegistry where each request is observed as {@code pipc.request.receive};
     *        by default {@link ObservationRegistry#NOOP}: not observed. Apart from Spring
     *        Integration's own observations of gateways, which it turns on by name patterns.
     */
    public void setObservationRegistry(ObservationRegistry observationRegistry) {
        this.observationRegistry = Objects.requireNonNull(observationRegistry, "observationRegistry");
    }

    /**
     * @param convention names and tags the observation of each request; null (the default) for
     *        {@link DefaultPipcRequestReceiveObservationConvention}
     */
    public void setRequestReceiveObservationConvention(@Nullable PipcRequestReceiveObservationConvention convention) {
        this.requestReceiveObservationConvention = convention;
    }

    /**
     * @param maxInFlight how many requests may be handled at once before reading waits; at least 1
     */
    public void setMaxInFlight(int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1 (was " + maxInFlight + ")");
        }
        synchronized (this.inFlightMonitor) {
            this.maxInFlight = maxInFlight;
        }
    }

    /**
     * @return how long a request waits for the flow's reply
     */
    public Duration getReplyTimeout() {
        return this.replyTimeout;
    }

    /**
     * @return for a pipe, how long a stop may take (a server's is its {@link ServerConnections}')
     */
    public Duration getShutdownGracePeriod() {
        return this.shutdownGracePeriod;
    }

    /**
     * @return how many requests may be handled at once before reading waits
     */
    public int getMaxInFlight() {
        synchronized (this.inFlightMonitor) {
            return this.maxInFlight;
        }
    }

    /**
     * @return how many requests have been received and not yet answered or given up
     */
    public int getInFlight() {
        synchronized (this.inFlightMonitor) {
            return this.inFlight;
        }
    }

    @Override
    public String getComponentType() {
        return "pipc:inbound-gateway";
    }

    @Override
    protected void onInit() {
        super.onInit();
        String name = getComponentName();
        this.owner = (name != null) ? name : "inbound gateway of " + this.source.describe();
        this.source.register(this.owner, new MessageReceiver() {

            @Override
            public void receive(ReceivedMessage message) {
                request(message);
            }

            @Override
            public boolean awaitIdle(long deadlineNanos) {
                return awaitNoneInFlight(deadlineNanos);
            }

            @Override
            public int maxInFlightPerConnection() {
                return getMaxInFlight();
            }
        });
    }

    @Override
    protected void doStart() {
        super.doStart();
        this.source.start(requiredOwner());
    }

    @Override
    protected void doStop() {
        this.source.stop(requiredOwner(), this.shutdownGracePeriod);
        super.doStop();
    }

    /**
     * Stops without holding up the context's other beans of this phase: the pipes stopping in
     * one phase hand over their last requests at the same time, each within its grace period.
     */
    @Override
    protected void doStop(Runnable callback) {
        this.source.stop(requiredOwner(), this.shutdownGracePeriod, () -> {
            try {
                super.doStop();
            }
            finally {
                callback.run();
            }
        });
    }

    private String requiredOwner() {
        return Objects.requireNonNull(this.owner, "not initialized");
    }

    private void request(ReceivedMessage received) {
        Observation observation = PipcObservationDocumentation.REQUEST_RECEIVE.observation(
                this.requestReceiveObservationConvention, DefaultPipcRequestReceiveObservationConvention.INSTANCE,
                () -> new PipcReceiverContext(received.origin(), received.envelope(), received.connectionId(),
                        Kind.SERVER),
                this.observationRegistry);
        observation.start();
        boolean answerLater = false;
        try (Observation.Scope scope = observation.openScope()) {
            answerLater = request(received, observation);
        }
        finally {
            if (!answerLater) {
                observation.stop();
            }
        }
    }

    /**
     * @return whether the reply comes later, on another thread, which stops the observation then
     */
    private boolean request(ReceivedMessage received, Observation observation) {
        Message<?> request;
        AwaitedReply replyTo = replyDirectly() ? new AwaitedReply() : null;
        try {
            request = this.mapper.toMessage(received, getMessageBuilderFactory(), replyTo);
        }
        catch (MessageConversionException ex) {
            observation.error(ex);
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.CODEC);
            logger.warn("{}; the request gets no reply", ex.getMessage());
            return false;
        }
        String correlationId = received.envelope().correlationId();
        if (!awaitRoomForOneMore()) {
            return false;
        }
        if (this.source.handsOverOnTasks()) {
            requestOnThisTask(received, request, replyTo, correlationId, observation);
            return false;
        }
        try {
            Mono<Message<?>> replies = sendAndReceiveMessageReactive(request);
            // A negative reply timeout waits as long as it takes, as Spring Integration's does.
            (this.replyTimeout.isNegative() ? replies : replies.timeout(this.replyTimeout))
                    .doFinally((signal) -> {
                        answered();
                        observation.stop();
                    })
                    .subscribe((reply) -> writeReply(received, reply, correlationId, observation),
                            (failure) -> failed(failure, received, observation));
            return true;
        }
        catch (RuntimeException ex) {
            // Thrown before the reply stream was subscribed: the finally above will not run.
            answered();
            failed(ex, received, observation);
            return false;
        }
    }

    /**
     * A server hands each request over on a task of its own, so the task waits for the reply
     * (as Spring Integration's {@code TcpInboundGateway} does): with a {@code DirectChannel} the
     * reply is there when the flow returns, and no timer is set per request.
     *
     * @param replyTo the request's own reply channel, or null to send it through Spring
     *        Integration's {@code sendAndReceive}
     */
    private void requestOnThisTask(ReceivedMessage received, Message<?> request, @Nullable AwaitedReply replyTo,
            @Nullable String correlationId, Observation observation) {
        Message<?> reply;
        try {
            reply = (replyTo != null) ? sendAndAwait(request, replyTo) : sendAndReceiveMessage(request);
        }
        catch (RuntimeException ex) {
            answered();
            failed(ex, received, observation);
            return;
        }
        catch (Error ex) {
            answered();
            throw ex;
        }
        answered();
        if (reply == null) {
            failed(new TimeoutException(), received, observation);
        }
        else if (reply instanceof ErrorMessage error) {
            failed(error.getPayload(), received, observation);
        }
        else {
            writeReply(received, reply, correlationId, observation);
        }
    }

    /**
     * What {@code sendAndReceive} does for a gateway with nothing to add to the request but its
     * reply channel, without its second copy of the request, its temporary channel and its copy
     * of the reply: sends the request, whose reply and error channel headers name
     * {@code replyTo}, and waits there for the reply or an asynchronous flow's error message.
     *
     * @return the reply, an error message, or null when none came within the reply timeout
     */
    private @Nullable Message<?> sendAndAwait(Message<?> request, AwaitedReply replyTo) {
        MetricsCaptor captor = this.metricsCaptor;
        if (captor == null) {
            return sendAndAwaitUntimed(request, replyTo);
        }
        // Timed as Spring Integration times its gateways' sendAndReceive.
        SampleFacade sample = captor.start();
        try {
            Message<?> reply = sendAndAwaitUntimed(request, replyTo);
            sample.stop(sendTimer());
            return reply;
        }
        catch (RuntimeException ex) {
            sample.stop(buildSendTimer(false, ex.getClass().getSimpleName()));
            throw ex;
        }
    }

    private @Nullable Message<?> sendAndAwaitUntimed(Message<?> request, AwaitedReply replyTo) {
        try {
            MessageChannel requestChannel = getRequestChannel();
            if (requestChannel == null) {
                throw new MessagingException(request, "No request channel available. Cannot send request message.");
            }
            long sendTimeout = this.messagingTemplate.getSendTimeout();
            boolean sent = (sendTimeout >= 0) ? requestChannel.send(request, sendTimeout) : requestChannel.send(request);
            if (!sent) {
                throw new MessageDeliveryException(request, "Failed to send the request to channel '" + requestChannel
                        + "' within " + sendTimeout + " ms");
            }
            return replyTo.await(this.replyTimeout);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            replyTo.giveUp();
            throw new MessagingException(request, "interrupted while waiting for the reply", ex);
        }
        catch (RuntimeException ex) {
            replyTo.giveUp();
            throw ex;
        }
    }

    /**
     * @return whether a server's task may send a request with a reply channel of its own: none
     *         of what Spring Integration's {@code sendAndReceive} adds beyond the send and the
     *         wait (and metrics, which are kept) is set
     */
    private boolean replyDirectly() {
        return this.source.handsOverOnTasks() && !this.withReplyChannel && !this.withErrorChannel && !this.errorOnTimeout
                && !this.tracked && !isObserved();
    }

    private void writeReply(ReceivedMessage received, Message<?> reply, @Nullable String correlationId,
            Observation observation) {
        try {
            received.replies().accept(this.mapper.toReply(reply, correlationId, this.source::describe));
        }
        catch (MessageConversionException ex) {
            observation.error(ex);
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.CODEC);
            logger.warn("{} (the reply to {})", ex.getMessage(), describe(received));
        }
        catch (RuntimeException ex) {
            observation.error(ex);
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.CONNECTION);
            logger.warn("{}: could not write the reply to {}: {}", this.source.describe(), describe(received),
                    ex.toString());
        }
    }

    private void failed(Throwable failure, ReceivedMessage received, Observation observation) {
        String from = describe(received);
        observation.error(failure);
        if (failure instanceof TimeoutException) {
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.REPLY_TIMEOUT);
            logger.warn("{}: no reply within {} to {}; the request was given up", this.source.describe(),
                    this.replyTimeout, from);
        }
        else {
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.HANDLER);
            logger.warn("{}: the flow failed to handle {}; it gets no reply: {}", this.source.describe(), from,
                    failure.toString());
        }
    }

    private static String describe(ReceivedMessage received) {
        String correlationId = received.envelope().correlationId();
        return "the request" + ((correlationId != null) ? " with correlation id '" + correlationId + "'" : "")
                + ((received.connectionId() != null) ? " from client connection '" + received.connectionId() + "'"
                        : "");
    }

    /** Waits while max-in-flight requests are being handled, then counts one more. */
    private boolean awaitRoomForOneMore() {
        synchronized (this.inFlightMonitor) {
            while (this.inFlight >= this.maxInFlight) {
                try {
                    this.inFlightMonitor.wait();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    logger.warn("{}: interrupted while waiting to handle a request; it gets no reply",
                            this.source.describe());
                    return false;
                }
            }
            this.inFlight++;
            return true;
        }
    }

    private void answered() {
        synchronized (this.inFlightMonitor) {
            this.inFlight--;
            this.inFlightMonitor.notifyAll();
        }
    }

    private boolean awaitNoneInFlight(long deadlineNanos) {
        synchronized (this.inFlightMonitor) {
            while (this.inFlight > 0) {
                long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
                if (remainingMillis <= 0) {
                    logger.warn("{}: {} requests still unanswered when the shutdown grace period ran out",
                            this.source.describe(), this.inFlight);
                    return false;
                }
                try {
                    this.inFlightMonitor.wait(remainingMillis);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The reply channel of one request a server's task sent: the flow's reply, or an
     * asynchronous flow's {@link ErrorMessage}, is kept for the task waiting for it. The first
     * message sent is taken; one sent after the task gave up waiting (a late reply), or a second
     * one, is logged and dropped, as Spring Integration's temporary reply channel drops them:
     * the send succeeds, so the flow that sent it does not fail.
     */
    static final class AwaitedReply implements MessageChannel {

        private final CompletableFuture<Message<?>> reply = new CompletableFuture<>();

        @Override
        public boolean send(Message<?> message, long timeout) {
            if (!this.reply.complete(message)) {
                logger.warn("A reply came after its request (correlation id '{}') was given up or answered; it is dropped",
                        message.getHeaders().get(PipcHeaders.CORRELATION_ID));
            }
            return true;
        }

        /**
         * @param timeout how long to wait; negative for as long as it takes
         * @return the reply, or null when none came in time (the channel then drops it)
         */
        @Nullable Message<?> await(Duration timeout) throws InterruptedException {
            try {
                return timeout.isNegative() ? this.reply.get() : this.reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
            catch (TimeoutException ex) {
                return giveUp();
            }
            catch (ExecutionException ex) {
                throw new IllegalStateException("a reply channel's future never fails", ex);
            }
        }

        /**
         * @return the reply if one came after all, else null; from now on the channel drops replies
         */
        @Nullable Message<?> giveUp() {
            this.reply.complete(null);
            return this.reply.getNow(null);
        }
    }
}
