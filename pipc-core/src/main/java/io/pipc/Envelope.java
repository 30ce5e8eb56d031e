package io.pipc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * One message with its wire headers: a payload, optionally a correlation id (so that concurrent
 * requests over one pipe can be told apart) and a content type, and named application headers
 * (trace context such as {@code traceparent}, or the application's own).
 *
 * <p>{@link Pipe#read()} and {@link Pipe#write(byte[])} carry the payload alone; use
 * {@link Pipe#readEnvelope()} and {@link Pipe#write(Envelope)} when the headers matter. On
 * the Python wire no header is carried.
 *
 * <p>The payload array is not copied by this record; a pipe copies what it must keep. The
 * headers are copied into an unmodifiable map that keeps their order.
 *
 * @param payload the message bytes, possibly empty
 * @param correlationId ties a reply to its request; at most {@value #MAX_HEADER_BYTES} bytes of UTF-8
 * @param contentType describes the payload, for example {@code application/json}; at most
 *        {@value #MAX_HEADER_BYTES} bytes of UTF-8
 * @param headers application headers, at most {@value #MAX_APPLICATION_HEADERS}; each name 1 to
 *        {@value #MAX_HEADER_NAME_LENGTH} characters of an HTTP token ({@code A-Z a-z 0-9} and
 *        {@code !#$%&'*+-.^_`|~}), and name plus value at most {@value #MAX_APPLICATION_HEADER_BYTES}
 *        bytes of UTF-8
 */
public record Envelope(byte[] payload, @Nullable String correlationId, @Nullable String contentType,
        Map<String, String> headers) {

    /** The longest correlation id or content type, in bytes of UTF-8, that the native wire carries. */
    public static final int MAX_HEADER_BYTES = 255;

    /** The most application headers one message may carry. */
    public static final int MAX_APPLICATION_HEADERS = 16;

    /** The longest application header name, in characters. */
    public static final int MAX_HEADER_NAME_LENGTH = 64;

    /** The most bytes of UTF-8 an application header's name and value take together. */
    public static final int MAX_APPLICATION_HEADER_BYTES = 254;

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1," + MAX_HEADER_NAME_LENGTH + "}");

    /**
     * @throws IllegalArgumentException when a header breaks the limits above, naming it
     */
    public Envelope {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(headers, "headers");
        checkHeader("correlationId", correlationId);
        checkHeader("contentType", contentType);
        headers = checkApplicationHeaders(headers);
    }

    /**
     * A message without application headers.
     *
     * @param payload the message bytes, possibly empty
     * @param correlationId ties a reply to its request, or null
     * @param contentType describes the payload, or null
     * @throws IllegalArgumentException when a header is longer than {@value #MAX_HEADER_BYTES} bytes of UTF-8
     */
    public Envelope(byte[] payload, @Nullable String correlationId, @Nullable String contentType) {
        this(payload, correlationId, contentType, Map.of());
    }

    /**
     * @param payload the message bytes
     * @return an envelope without headers
     */
    public static Envelope of(byte[] payload) {
        return new Envelope(payload, null, null, Map.of());
    }

    /**
     * @return whether any header is set: the correlation id, the content type or an application header
     */
    public boolean hasHeaders() {
        return correlationId != null || contentType != null || !headers.isEmpty();
    }

    /**
     * @param correlationId the correlation id to carry
     * @return a copy of this envelope with that correlation id
     */
    public Envelope withCorrelationId(@Nullable String correlationId) {
        return new Envelope(payload, correlationId, contentType, headers);
    }

    /**
     * @param headers the application headers to carry instead of this envelope's
     * @return a copy of this envelope with those application headers
     * @throws IllegalArgumentException when a header breaks the limits of {@link Envelope}
     */
    public Envelope withHeaders(Map<String, String> headers) {
        return new Envelope(payload, correlationId, contentType, headers);
    }

    private static void checkHeader(String name, @Nullable String value) {
        if (value != null && value.length() > MAX_HEADER_BYTES / 3
                && value.getBytes(StandardCharsets.UTF_8).length > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_HEADER_BYTES
                    + " bytes of UTF-8 (was " + value.getBytes(StandardCharsets.UTF_8).length + ")");
        }
    }

    private static Map<String, String> checkApplicationHeaders(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return Map.of();
        }
        if (headers.size() > MAX_APPLICATION_HEADERS) {
            throw new IllegalArgumentException("a message carries at most " + MAX_APPLICATION_HEADERS
                    + " application headers (was " + headers.size() + ": " + headers.keySet() + ")");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (name == null || !TOKEN.matcher(name).matches()) {
                throw new IllegalArgumentException("application header name '" + name + "' must be 1 to "
                        + MAX_HEADER_NAME_LENGTH + " characters of A-Z a-z 0-9 !#$%&'*+-.^_`|~");
            }
            Objects.requireNonNull(value, () -> "application header '" + name + "' has no value");
            int bytes = name.length() + value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_APPLICATION_HEADER_BYTES) {
                throw new IllegalArgumentException("application header '" + name + "' takes " + bytes
                        + " bytes of UTF-8 with its name; at most " + MAX_APPLICATION_HEADER_BYTES + " are allowed");
            }
            copy.put(name, value);
        });
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Envelope that
                && Arrays.equals(payload, that.payload)
                && Objects.equals(correlationId, that.correlationId)
                && Objects.equals(contentType, that.contentType)
                && headers.equals(that.headers);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * Arrays.hashCode(payload) + Objects.hashCode(correlationId))
                + Objects.hashCode(contentType)) + headers.hashCode();
    }

    @Override
    public String toString() {
        return "Envelope[" + payload.length + " bytes"
                + (correlationId == null ? "" : ", correlationId=" + correlationId)
                + (contentType == null ? "" : ", contentType=" + contentType)
                + (headers.isEmpty() ? "" : ", headers=" + headers) + "]";
    }
}
