package io.pipc.integration.observation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.PipeMetrics;

import org.jspecify.annotations.Nullable;

import org.springframework.messaging.Message;

/**
 * What is known of a message or request being sent: where to, the Spring message, and the
 * application headers it will be written with. The carrier is those headers: what a tracing
 * handler puts there (such as {@code traceparent}) crosses the pipe, over the headers the header
 * mapper took from the message.
 */
public final class PipcSenderContext extends SenderContext<Map<String, String>> {

    private final PipeMetrics.Origin origin;

    private final Message<?> message;

    private volatile @Nullable String correlationId;

    /**
     * @param origin the pipe or server written to
     * @param message the message to send
     * @param kind {@link Kind#PRODUCER} for a message, {@link Kind#CLIENT} for a gateway's request
     */
    public PipcSenderContext(PipeMetrics.Origin origin, Message<?> message, Kind kind) {
        super((carrier, key, value) -> Objects.requireNonNull(carrier, "carrier").put(key, value), kind);
        this.origin = Objects.requireNonNull(origin, "origin");
        this.message = Objects.requireNonNull(message, "message");
        setCarrier(new LinkedHashMap<>());
    }

    /**
     * @return the pipe or server written to
     */
    public PipeMetrics.Origin getOrigin() {
        return this.origin;
    }

    /**
     * @return the message to send
     */
    public Message<?> getMessage() {
        return this.message;
    }

    /**
     * @return the headers that an observation handler set to travel with the message
     */
    public Map<String, String> getHeaders() {
        return Objects.requireNonNull(getCarrier(), "carrier");
    }

    /**
     * @return the client the message is for, when written to a server (its
     *         {@link PipcHeaders#CONNECTION_ID} header); else null
     */
    public @Nullable String getConnectionId() {
        Object connectionId = this.message.getHeaders().get(PipcHeaders.CONNECTION_ID);
        return (this.origin.role() == PipeMetrics.Role.SERVER && connectionId != null) ? connectionId.toString() : null;
    }

    /**
     * @return a gateway request's correlation id, once it has one; else null
     */
    public @Nullable String getCorrelationId() {
        return this.correlationId;
    }

    /**
     * @param correlationId the correlation id the request is written with
     */
    public void setCorrelationId(@Nullable String correlationId) {
        this.correlationId = correlationId;
    }
}
