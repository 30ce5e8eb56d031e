package io.pipc.integration;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import io.pipc.Codec;
import io.pipc.Envelope;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.integration.support.AbstractIntegrationMessageBuilder;
import org.springframework.integration.support.DefaultMessageBuilderFactory;
import org.springframework.integration.support.MessageBuilderFactory;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.support.GenericMessage;

/**
 * Turns messages read from a pipe into Spring messages and Spring messages into messages to
 * write, through an optional {@link Codec}.
 *
 * <p>Reading: without a codec the payload is the {@code byte[]} read; with one, what the codec
 * decodes. The headers are those of {@link PipcHeaders}.
 *
 * <p>Writing: a {@code byte[]} payload is written as it is, whatever the codec (it is taken to
 * be encoded already); any other payload is encoded by the codec; without a codec a
 * {@code String} is written as UTF-8. The {@link PipcHeaders#CORRELATION_ID} and
 * {@link PipcHeaders#CONTENT_TYPE} headers, when present, travel as the wire's headers.
 *
 * <p>Application headers: a {@link HeaderMapper} ({@link PipcHeaderMapper} by default) chooses
 * which message headers are written and which received ones are set; the headers above and
 * pipc's own always win over a received header of the same name.
 */
final class PipeMessageMapper {

    private final @Nullable Codec<?> codec;
    private final HeaderMapper<Map<String, String>> headerMapper;

    /** Payloads as {@code byte[]}, trace context as the only application headers. */
    PipeMessageMapper() {
        this(null, new PipcHeaderMapper());
    }

    private PipeMessageMapper(@Nullable Codec<?> codec, HeaderMapper<Map<String, String>> headerMapper) {
        this.codec = codec;
        this.headerMapper = headerMapper;
    }

    /**
     * @param codec decodes payloads read and encodes payloads written; null for {@code byte[]}
     * @return a mapper with that codec and this one's header mapper
     */
    PipeMessageMapper withCodec(@Nullable Codec<?> codec) {
        return new PipeMessageMapper(codec, this.headerMapper);
    }

    /**
     * @param headerMapper chooses the application headers sent and kept
     * @return a mapper with that header mapper and this one's codec
     */
    PipeMessageMapper withHeaderMapper(HeaderMapper<Map<String, String>> headerMapper) {
        return new PipeMessageMapper(this.codec, Objects.requireNonNull(headerMapper, "headerMapper"));
    }

    /**
     * @param received the message read
     * @param builders the endpoint's message builders
     * @return the Spring message
     * @throws MessageConversionException when the codec cannot decode the payload
     */
    Message<?> toMessage(ReceivedMessage received, MessageBuilderFactory builders) {
        return toMessage(received, builders, null);
    }

    /**
     * @param received the message read
     * @param builders the endpoint's message builders
     * @param replyTo where the flow sends its reply, and an asynchronous flow its failure: the
     *        message's reply and error channel headers; null for none
     * @return the Spring message
     * @throws MessageConversionException when the codec cannot decode the payload
     */
    Message<?> toMessage(ReceivedMessage received, MessageBuilderFactory builders, @Nullable MessageChannel replyTo) {
        Envelope envelope = received.envelope();
        Object payload = decode(envelope.payload(), received.origin().name());
        if (envelope.headers().isEmpty() && builders.getClass() == DefaultMessageBuilderFactory.class
                && !(payload instanceof Throwable)) {
            // What the default builder would build, a GenericMessage, without its second copy of
            // the headers and second id: a message read is built on every request and reply. A
            // subclass of the factory, and a Throwable payload (an ErrorMessage), take the builder.
            Map<String, Object> headers = new HashMap<>(16); // up to seven, without a resize
            headers.put(PipcHeaders.PIPE_NAME, received.origin().name());
            headers.put(PipcHeaders.TRANSPORT, PipcHeaders.transport(received.origin().transport()));
            putIfPresent(headers, PipcHeaders.CONNECTION_ID, received.connectionId());
            putIfPresent(headers, PipcHeaders.CORRELATION_ID, envelope.correlationId());
            putIfPresent(headers, PipcHeaders.CONTENT_TYPE, envelope.contentType());
            putIfPresent(headers, MessageHeaders.REPLY_CHANNEL, replyTo);
            putIfPresent(headers, MessageHeaders.ERROR_CHANNEL, replyTo);
            return new GenericMessage<>(payload, headers);
        }
        AbstractIntegrationMessageBuilder<?> builder = builders.withPayload(payload)
                .setHeader(PipcHeaders.PIPE_NAME, received.origin().name())
                .setHeader(PipcHeaders.TRANSPORT, PipcHeaders.transport(received.origin().transport()));
        if (received.connectionId() != null) {
            builder.setHeader(PipcHeaders.CONNECTION_ID, received.connectionId());
        }
        if (envelope.correlationId() != null) {
            builder.setHeader(PipcHeaders.CORRELATION_ID, envelope.correlationId());
        }
        if (envelope.contentType() != null) {
            builder.setHeader(PipcHeaders.CONTENT_TYPE, envelope.contentType());
        }
        if (replyTo != null) {
            builder.setReplyChannel(replyTo).setErrorChannel(replyTo);
        }
        if (!envelope.headers().isEmpty()) {
            Map<String, Object> mapped = new LinkedHashMap<>(this.headerMapper.toHeaders(envelope.headers()));
            mapped.keySet().removeIf((name) -> !PipcHeaderMapper.mayCross(name));
            builder.copyHeadersIfAbsent(mapped);
        }
        return builder.build();
    }

    private static void putIfPresent(Map<String, Object> headers, String name, @Nullable Object value) {
        if (value != null) {
            headers.put(name, value);
        }
    }

    /**
     * @param message the Spring message to write
     * @param target names the pipe or server, for errors (made only when one is raised)
     * @param observed the headers an observation set to travel with the message (trace context),
     *        which replace the message's own of the same name: a {@code traceparent} the message
     *        came with names the sender's parent, not the span of this send
     * @return the message to write, with the correlation id and content type headers
     * @throws MessageConversionException when the payload cannot be encoded
     */
    Envelope toEnvelope(Message<?> message, Supplier<String> target, Map<String, String> observed) {
        Object correlationId = message.getHeaders().get(PipcHeaders.CORRELATION_ID);
        Object contentType = message.getHeaders().get(PipcHeaders.CONTENT_TYPE);
        byte[] payload = encode(message, target);
        try {
            Map<String, String> headers = new LinkedHashMap<>();
            this.headerMapper.fromHeaders(message.getHeaders(), headers);
            headers.keySet().removeIf((name) -> !PipcHeaderMapper.mayCross(name));
            observed.forEach((name, value) -> {
                headers.keySet().removeIf(name::equalsIgnoreCase);
                headers.put(name, value);
            });
            return new Envelope(payload, (correlationId != null) ? correlationId.toString() : null,
                    (contentType != null) ? contentType.toString() : null, headers);
        }
        catch (IllegalArgumentException ex) {
            throw new MessageConversionException(message, target.get() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * A gateway's reply: its payload and content type, under the request's correlation id; a
     * reply carries no application headers, so none are mapped.
     *
     * @param reply the flow's reply
     * @param correlationId the request's, which the reply answers
     * @param target names the pipe or server, for errors (made only when one is raised)
     * @return the message to write back
     * @throws MessageConversionException when the payload cannot be encoded
     */
    Envelope toReply(Message<?> reply, @Nullable String correlationId, Supplier<String> target) {
        Object contentType = reply.getHeaders().get(PipcHeaders.CONTENT_TYPE);
        byte[] payload = encode(reply, target);
        try {
            return new Envelope(payload, correlationId, (contentType != null) ? contentType.toString() : null);
        }
        catch (IllegalArgumentException ex) {
            throw new MessageConversionException(reply, target.get() + ": " + ex.getMessage(), ex);
        }
    }

    private Object decode(byte[] payload, String pipeName) {
        Codec<?> current = this.codec;
        if (current == null) {
            return payload;
        }
        try {
            return current.decode(payload);
        }
        catch (RuntimeException ex) {
            throw new MessageConversionException("pipe '" + pipeName + "': codec " + current + " could not decode a"
                    + " message of " + payload.length + " bytes: " + ex.getMessage(), ex);
        }
    }

    @SuppressWarnings("unchecked")
    private byte[] encode(Message<?> message, Supplier<String> target) {
        Object payload = message.getPayload();
        if (payload instanceof byte[] bytes) {
            return bytes;
        }
        Codec<Object> current = (Codec<Object>) this.codec;
        if (current != null) {
            try {
                return current.encode(payload);
            }
            catch (RuntimeException ex) {
                throw new MessageConversionException(message, target.get() + ": codec " + current + " could not encode a payload"
                        + " of type " + payload.getClass().getName() + ": " + ex.getMessage(), ex);
            }
        }
        if (payload instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        throw new MessageConversionException(message, target.get() + " writes byte[] or String payloads without a codec, not "
                + payload.getClass().getName() + "; set a codec (for example json) to write objects");
    }
}
