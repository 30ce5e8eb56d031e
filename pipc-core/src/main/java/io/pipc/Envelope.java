package io.pipc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One message with its wire headers: a payload, and optionally a correlation id (so that
 * concurrent requests over one pipe can be told apart) and a content type.
 *
 * <p>{@link Pipe#read()} and {@link Pipe#write(byte[])} carry the payload alone; use
 * {@link Pipe#readEnvelope()} and {@link Pipe#write(Envelope)} when the headers matter. On
 * the Python wire headers are not carried.
 *
 * <p>The payload array is not copied by this record; a pipe copies what it must keep.
 *
 * @param payload the message bytes, possibly empty
 * @param correlationId ties a reply to its request; at most {@value #MAX_HEADER_BYTES} bytes of UTF-8
 * @param contentType describes the payload, for example {@code application/json}; at most
 *        {@value #MAX_HEADER_BYTES} bytes of UTF-8
 */
public record Envelope(byte[] payload, @Nullable String correlationId, @Nullable String contentType) {

    /** The longest header value, in bytes of UTF-8, that the native wire carries. */
    public static final int MAX_HEADER_BYTES = 255;

    /**
     * @throws IllegalArgumentException when a header is longer than {@value #MAX_HEADER_BYTES} bytes of UTF-8
     */
    public Envelope {
        Objects.requireNonNull(payload, "payload");
        checkHeader("correlationId", correlationId);
        checkHeader("contentType", contentType);
    }

    /**
     * @param payload the message bytes
     * @return an envelope without headers
     */
    public static Envelope of(byte[] payload) {
        return new Envelope(payload, null, null);
    }

    /**
     * @return whether either header is set
     */
    public boolean hasHeaders() {
        return correlationId != null || contentType != null;
    }

    /**
     * @param correlationId the correlation id to carry
     * @return a copy of this envelope with that correlation id
     */
    public Envelope withCorrelationId(@Nullable String correlationId) {
        return new Envelope(payload, correlationId, contentType);
    }

    private static void checkHeader(String name, @Nullable String value) {
        if (value != null && value.length() > MAX_HEADER_BYTES / 3
                && value.getBytes(StandardCharsets.UTF_8).length > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_HEADER_BYTES
                    + " bytes of UTF-8 (was " + value.getBytes(StandardCharsets.UTF_8).length + ")");
        }
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Envelope that
                && Arrays.equals(payload, that.payload)
                && Objects.equals(correlationId, that.correlationId)
                && Objects.equals(contentType, that.contentType);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(payload) + Objects.hashCode(correlationId)) + Objects.hashCode(contentType);
    }

    @Override
    public String toString() {
        return "Envelope[" + payload.length + " bytes"
                + (correlationId == null ? "" : ", correlationId=" + correlationId)
                + (contentType == null ? "" : ", contentType=" + contentType) + "]";
    }
}
