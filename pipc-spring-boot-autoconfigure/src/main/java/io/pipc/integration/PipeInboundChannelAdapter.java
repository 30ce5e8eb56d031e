package io.pipc.integration;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.pipc.Codec;
import io.pipc.Pipe;
import io.pipc.integration.observation.DefaultPipcReceiveObservationConvention;
import io.pipc.integration.observation.PipcObservationDocumentation;
import io.pipc.integration.observation.PipcReceiveObservationConvention;
import io.pipc.integration.observation.PipcReceiverContext;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.integration.endpoint.MessageProducerSupport;
import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.support.ErrorMessage;

/**
 * Sends every message read from a pipe, or from any client of a server, to its output channel,
 * with the headers of {@link PipcHeaders}. One way: what the flow returns is not sent back (use
 * {@link PipeInboundGateway} for request and reply).
 *
 * <p>The adapter becomes the pipe's only reader (see {@link SharedPipe}). A pipe's messages are
 * sent on its reading thread, a server's on its handler threads, one batch per client at a
 * time (see {@link ServerConnections}): a flow on a {@code DirectChannel} handles each peer's
 * messages one at a time, in order, and a slow flow slows that peer's writes.
 *
 * <p>Stopping ends the input for good, without losing a message: the peer is asked to stop
 * sending ({@link Pipe#stopReceiving()}), and everything it wrote until it learned of that is
 * still sent to the channel, within the shutdown grace period; its later writes fail at the
 * peer. Stopping the adapter of a server stops its {@link ServerConnections}, which do the same
 * for every client and close the server.
 *
 * <p>A message the codec cannot decode is sent as an {@link ErrorMessage} to the error channel
 * when there is one, else logged; either way reading goes on.
 *
 * <p>With an {@link #setObservationRegistry(ObservationRegistry) observation registry}, each
 * message is a {@code pipc.message.receive} observation (see {@link PipcObservationDocumentation})
 * that continues the trace whose context came in the message's application headers, and is
 * current while the flow handles the message.
 */
public final class PipeInboundChannelAdapter extends MessageProducerSupport {

    private static final Logger logger = LoggerFactory.getLogger(PipeInboundChannelAdapter.class);

    private final InboundSource source;

    private volatile PipeMessageMapper mapper = new PipeMessageMapper();

    private volatile Duration shutdownGracePeriod = Duration.ofSeconds(10);

    private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private volatile @Nullable PipcReceiveObservationConvention receiveObservationConvention;

    private @Nullable String owner;

    /**
     * @param pipe the pipe to read; a {@link SharedPipe} is read through its dispatcher
     */
    public PipeInboundChannelAdapter(Pipe pipe) {
        this.source = new InboundSource.OfPipe(SharedPipe.of(Objects.requireNonNull(pipe, "pipe")));
    }

    /**
     * @param connections the clients of a server
     */
    public PipeInboundChannelAdapter(ServerConnections connections) {
        this.source = new InboundSource.OfServer(Objects.requireNonNull(connections, "connections"));
    }

    /**
     * @param codec decodes payloads; null (the default) for {@code byte[]} payloads
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
     * @param shutdownGracePeriod for a pipe, how long a stop may take to send what the peer
     *        wrote until it was asked to stop; default 10 seconds. A server's is set on its
     *        {@link ServerConnections}.
     */
    public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
        this.shutdownGracePeriod = Objects.requireNonNull(shutdownGracePeriod, "shutdownGracePeriod");
    }

    /**
     * @param observationRegistry where each message received is observed as
     *        {@code pipc.message.receive}; by default {@link ObservationRegistry#NOOP}: not
     *        observed. Apart from Spring Integration's own observations of producers, which it
     *        turns on by name patterns.
     */
    public void setObservationRegistry(ObservationRegistry observationRegistry) {
        this.observationRegistry = Objects.requireNonNull(observationRegistry, "observationRegistry");
    }

    /**
     * @param convention names and tags the observation of each message; null (the default) for
     *        {@link DefaultPipcReceiveObservationConvention}
     */
    public void setReceiveObservationConvention(@Nullable PipcReceiveObservationConvention convention) {
        this.receiveObservationConvention = convention;
    }

    /**
     * @return for a pipe, how long a stop may take (a server's is its {@link ServerConnections}')
     */
    public Duration getShutdownGracePeriod() {
        return this.shutdownGracePeriod;
    }

    @Override
    public String getComponentType() {
        return "pipc:inbound-channel-adapter";
    }

    @Override
    protected void onInit() {
        super.onInit();
        String name = getComponentName();
        this.owner = (name != null) ? name : "inbound adapter of " + this.source.describe();
        this.source.register(this.owner, this::receive);
    }

    @Override
    protected void doStart() {
        this.source.start(requiredOwner());
    }

    @Override
    protected void doStop() {
        this.source.stop(requiredOwner(), this.shutdownGracePeriod);
    }

    /**
     * Stops without holding up the context's other beans of this phase: the pipes stopping in
     * one phase hand over their last messages at the same time, each within its grace period.
     */
    @Override
    protected void doStop(Runnable callback) {
        this.source.stop(requiredOwner(), this.shutdownGracePeriod, callback);
    }

    private String requiredOwner() {
        return Objects.requireNonNull(this.owner, "not initialized");
    }

    private void receive(ReceivedMessage received) {
        Observation observation = PipcObservationDocumentation.MESSAGE_RECEIVE.observation(
                this.receiveObservationConvention, DefaultPipcReceiveObservationConvention.INSTANCE,
                () -> new PipcReceiverContext(received.origin(), received.envelope(), received.connectionId(),
                        Kind.CONSUMER),
                this.observationRegistry);
        observation.observe(() -> send(received, observation));
    }

    private void send(ReceivedMessage received, Observation observation) {
        Message<?> message;
        try {
            message = this.mapper.toMessage(received, getMessageBuilderFactory());
        }
        catch (MessageConversionException ex) {
            observation.error(ex);
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.CODEC);
            MessageChannel errors = getErrorChannel();
            if (errors != null) {
                errors.send(new ErrorMessage(ex));
            }
            else {
                logger.warn("{}; the message was skipped", ex.getMessage());
            }
            return;
        }
        try {
            sendMessage(message);
        }
        catch (RuntimeException ex) {
            this.source.metrics().failure(this.source.origin(), PipeMetrics.Failure.HANDLER);
            throw ex;
        }
    }
}
