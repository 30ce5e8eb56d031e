package io.pipc.integration;

import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.pipc.Codec;
import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.integration.observation.DefaultPipcSendObservationConvention;
import io.pipc.integration.observation.PipcObservationDocumentation;
import io.pipc.integration.observation.PipcSendObservationConvention;
import io.pipc.integration.observation.PipcSenderContext;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.handler.AbstractMessageHandler;
import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandlingException;

/**
 * Writes every message it handles to a pipe, or to one client of a server: the client named by
 * the message's {@link PipcHeaders#CONNECTION_ID} header, as set on the messages that client
 * sent. A message for a client that is gone fails with a {@link MessageHandlingException}
 * saying so; nothing is written.
 *
 * <p>Writes block while the peer is not reading, up to the pipe's write timeout: backpressure
 * reaches the flow that sends here.
 *
 * <p>With an {@link #setObservationRegistry(ObservationRegistry) observation registry}, each
 * write is a {@code pipc.message.send} observation (see {@link PipcObservationDocumentation}),
 * whose trace context travels in the message's application headers.
 */
public final class PipeOutboundChannelAdapter extends AbstractMessageHandler {

    private final @Nullable SharedPipe pipe;

    private final @Nullable ServerConnections connections;

    private volatile PipeMessageMapper mapper = new PipeMessageMapper();

    private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

    private volatile @Nullable PipcSendObservationConvention sendObservationConvention;

    /**
     * @param pipe the pipe to write to
     */
    public PipeOutboundChannelAdapter(Pipe pipe) {
        this.pipe = SharedPipe.of(Objects.requireNonNull(pipe, "pipe"));
        this.connections = null;
    }

    /**
     * @param connections the clients of a server, one of which each message goes to
     */
    public PipeOutboundChannelAdapter(ServerConnections connections) {
        this.pipe = null;
        this.connections = Objects.requireNonNull(connections, "connections");
    }

    /**
     * @param codec encodes payloads that are not {@code byte[]}; null (the default) writes
     *        {@code byte[]} as is and {@code String} as UTF-8
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
     * @param observationRegistry where each write is observed as {@code pipc.message.send};
     *        by default {@link ObservationRegistry#NOOP}: not observed. Apart from Spring
     *        Integration's own observations of handlers, which it turns on by name patterns.
     */
    public void setObservationRegistry(ObservationRegistry observationRegistry) {
        this.observationRegistry = Objects.requireNonNull(observationRegistry, "observationRegistry");
    }

    /**
     * @param convention names and tags the observation of each write; null (the default) for
     *        {@link DefaultPipcSendObservationConvention}
     */
    public void setSendObservationConvention(@Nullable PipcSendObservationConvention convention) {
        this.sendObservationConvention = convention;
    }

    @Override
    public String getComponentType() {
        return "pipc:outbound-channel-adapter";
    }

    @Override
    protected void handleMessageInternal(Message<?> message) {
        Observation observation = PipcObservationDocumentation.MESSAGE_SEND.observation(this.sendObservationConvention,
                DefaultPipcSendObservationConvention.INSTANCE,
                () -> new PipcSenderContext(origin(), message, Kind.PRODUCER), this.observationRegistry);
        observation.observe(() -> write(message, (observation.getContext() instanceof PipcSenderContext context)
                ? context.getHeaders() : Map.of()));
    }

    private PipeMetrics.Origin origin() {
        SharedPipe target = this.pipe;
        return (target != null) ? target.origin() : Objects.requireNonNull(this.connections).origin();
    }

    private void write(Message<?> message, Map<String, String> observed) {
        SharedPipe target = this.pipe;
        if (target != null) {
            Envelope envelope = this.mapper.toEnvelope(message, () -> "pipe '" + target.name() + "'", observed);
            try {
                target.write(envelope);
            }
            catch (PipeException | IllegalStateException ex) {
                throw new MessageHandlingException(message, "could not write to pipe '" + target.name() + "': "
                        + ex.getMessage(), ex);
            }
            return;
        }
        ServerConnections clients = Objects.requireNonNull(this.connections);
        String server = "server '" + clients.getServer().name() + "'";
        Object connectionId = message.getHeaders().get(PipcHeaders.CONNECTION_ID);
        if (connectionId == null) {
            throw new MessageHandlingException(message, server + " writes each message to the client named by its "
                    + PipcHeaders.CONNECTION_ID + " header, and this message has none (copy it from a message"
                    + " that client sent)");
        }
        Envelope envelope = this.mapper.toEnvelope(message, () -> server, observed);
        try {
            clients.send(connectionId.toString(), envelope);
        }
        catch (PipeException ex) {
            throw new MessageHandlingException(message, String.valueOf(ex.getMessage()), ex);
        }
    }
}
