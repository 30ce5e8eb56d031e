package io.pipc.integration.observation;

import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import io.pipc.Envelope;
import io.pipc.integration.PipeMetrics;

import org.jspecify.annotations.Nullable;

/**
 * What is known of a message or request read: where from, the message as read, and which
 * client sent it. The carrier is its application headers, as they came over the wire: a
 * tracing handler reads the trace context there (names matched ignoring case), whatever the
 * header mapper lets into the Spring message.
 */
public final class PipcReceiverContext extends ReceiverContext<Map<String, String>> {

    private final PipeMetrics.Origin origin;

    private final Envelope envelope;

    private final @Nullable String connectionId;

    /**
     * @param origin the pipe or server read
     * @param envelope the message as read
     * @param connectionId the client that sent it, for a server; else null
     * @param kind {@link Kind#CONSUMER} for a message, {@link Kind#SERVER} for a gateway's request
     */
    public PipcReceiverContext(PipeMetrics.Origin origin, Envelope envelope, @Nullable String connectionId, Kind kind) {
        super(PipcReceiverContext::header, kind);
        this.origin = Objects.requireNonNull(origin, "origin");
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.connectionId = connectionId;
        setCarrier(envelope.headers());
    }

    /**
     * @return the pipe or server read
     */
    public PipeMetrics.Origin getOrigin() {
        return this.origin;
    }

    /**
     * @return the message as read: payload, correlation id, content type and application headers
     */
    public Envelope getEnvelope() {
        return this.envelope;
    }

    /**
     * @return the client that sent the message, for a server; else null
     */
    public @Nullable String getConnectionId() {
        return this.connectionId;
    }

    private static @Nullable String header(Map<String, String> headers, String name) {
        String value = headers.get(name);
        if (value != null) {
            return value;
        }
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }
}
