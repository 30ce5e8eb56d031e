package io.pipc.integration;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import io.pipc.Envelope;

import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.messaging.MessageHeaders;
import org.springframework.util.PatternMatchUtils;

/**
 * Chooses which {@link MessageHeaders} travel as a pipe's application headers (docs/protocol.md
 * 1.3), and which received application headers become message headers, in the manner of Spring
 * Integration's header mappers: by name patterns ({@code *} anywhere, matched ignoring case).
 *
 * <p>By default only trace context crosses: {@link #TRACING_PATTERNS}. Widen it with
 * {@link #setOutboundHeaderNames(String...)} and {@link #setInboundHeaderNames(String...)}; a
 * header is sent only if the sender's patterns name it and kept only if the receiver's do.
 * Whatever the patterns, and whatever header mapper an endpoint is given, the message's own
 * {@code id} and {@code timestamp}, the reply and error channels, and pipc's headers
 * ({@code pipc_*}, which the wire carries otherwise or the receiver sets itself) never cross, so a
 * peer cannot steer where this application routes a message.
 *
 * <p>Values that are strings, numbers, booleans or UUIDs are sent as text; a matched header of
 * another type is an error that names it, as is a header over the wire's limits (see
 * {@link Envelope}): nothing is dropped silently. The Python wire carries no headers.
 */
public final class PipcHeaderMapper implements HeaderMapper<Map<String, String>> {

    /** The patterns of trace context: W3C Trace Context and Baggage, and Zipkin's B3. */
    public static final List<String> TRACING_PATTERNS = List.of("traceparent", "tracestate", "baggage", "b3", "X-B3-*");

    /** Compared ignoring case, without lower-casing each header's name of each message. */
    private static final List<String> NEVER = List.of(MessageHeaders.ID, MessageHeaders.TIMESTAMP,
            MessageHeaders.REPLY_CHANNEL, MessageHeaders.ERROR_CHANNEL);

    private volatile String[] outbound = TRACING_PATTERNS.toArray(String[]::new);
    private volatile String[] inbound = TRACING_PATTERNS.toArray(String[]::new);

    /**
     * @param patterns the names of message headers to send, {@code *} a wildcard; none sends none
     */
    public void setOutboundHeaderNames(String... patterns) {
        this.outbound = checked(patterns);
    }

    /**
     * @param patterns the names of received application headers to keep, {@code *} a wildcard;
     *        none keeps none
     */
    public void setInboundHeaderNames(String... patterns) {
        this.inbound = checked(patterns);
    }

    /**
     * @param headers a message's headers
     * @param target receives the headers to send, in the message's order
     * @throws IllegalArgumentException when a header to send has a value that is not text,
     *         a number, a boolean or a UUID
     */
    @Override
    public void fromHeaders(MessageHeaders headers, Map<String, String> target) {
        String[] patterns = this.outbound;
        headers.forEach((name, value) -> {
            if (crosses(name, patterns) && value != null) {
                target.put(name, text(name, value));
            }
        });
    }

    /**
     * @param source the application headers received
     * @return the ones to set on the message
     */
    @Override
    public Map<String, Object> toHeaders(Map<String, String> source) {
        String[] patterns = this.inbound;
        Map<String, Object> headers = new LinkedHashMap<>();
        source.forEach((name, value) -> {
            if (crosses(name, patterns)) {
                headers.put(name, value);
            }
        });
        return headers;
    }

    private static boolean crosses(String name, String[] patterns) {
        return mayCross(name) && PatternMatchUtils.simpleMatchIgnoreCase(patterns, name);
    }

    /**
     * Applied to what any header mapper chooses, this one or the application's own, both ways.
     *
     * @param name a header's name
     * @return false for the message's id and timestamp, the reply and error channels and pipc's own headers
     */
    static boolean mayCross(String name) {
        if (name.regionMatches(true, 0, PipcHeaders.PREFIX, 0, PipcHeaders.PREFIX.length())) {
            return false;
        }
        for (String never : NEVER) {
            if (never.equalsIgnoreCase(name)) {
                return false;
            }
        }
        return true;
    }

    private static String text(String name, Object value) {
        if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean || value instanceof UUID) {
            return value.toString();
        }
        throw new IllegalArgumentException("header '" + name + "' is a " + value.getClass().getName()
                + "; a pipe carries headers as text (strings, numbers, booleans or UUIDs); convert it or leave it out of"
                + " the header mapper's outbound names");
    }

    private static String[] checked(String[] patterns) {
        Objects.requireNonNull(patterns, "patterns");
        for (String pattern : patterns) {
            Objects.requireNonNull(pattern, "a header name pattern");
        }
        return Arrays.copyOf(patterns, patterns.length);
    }

    @Override
    public String toString() {
        return "PipcHeaderMapper[outbound=" + Arrays.toString(this.outbound) + ", inbound=" + Arrays.toString(this.inbound) + "]";
    }
}
