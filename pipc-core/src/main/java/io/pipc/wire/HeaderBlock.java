package io.pipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.pipc.Envelope;

import org.jspecify.annotations.Nullable;

/**
 * The headers at the start of a {@code DATA_WITH_HEADERS} body: a count (1 to
 * {@value #MAX_ENTRIES}), then per entry a key byte, a length byte and that many bytes. The
 * correlation id and the content type are UTF-8; an application header is its name's length
 * (one byte), its name (ASCII) and its value (UTF-8), one entry per header under the one key
 * that may repeat. {@link HeaderBlockReader} reads them back.
 */
final class HeaderBlock {

    /** Key of the correlation id. */
    static final int CORRELATION_ID = 0x01;
    /** Key of the content type. */
    static final int CONTENT_TYPE = 0x02;
    /** Key of an application header, the one key that may appear more than once. */
    static final int APPLICATION = 0x03;
    /**
     * The most entries a block may hold, so that its size stays bounded for the length check:
     * the two fixed headers and the application headers.
     */
    static final int MAX_ENTRIES = 2 + Envelope.MAX_APPLICATION_HEADERS;
    /** The longest header value, in bytes. */
    static final int MAX_VALUE_LENGTH = 255;
    /** The largest block: the count, then every entry with the longest value. */
    static final int MAX_LENGTH = 1 + MAX_ENTRIES * (2 + MAX_VALUE_LENGTH);

    private HeaderBlock() {
    }

    /**
     * @param message a message with at least one header
     * @return the length of its header block
     */
    static int length(Envelope message) {
        int length = 1 + entryLength(message.correlationId()) + entryLength(message.contentType());
        for (Map.Entry<String, String> header : message.headers().entrySet()) {
            // Envelope admits ASCII names only, so a name's length is its length in bytes.
            length += 3 + header.getKey().length() + utf8(header.getValue()).length;
        }
        return length;
    }

    /**
     * @param message a message with at least one header
     * @param out receives the header block
     */
    static void write(Envelope message, ByteBuffer out) {
        String correlationId = message.correlationId();
        String contentType = message.contentType();
        out.put((byte) ((correlationId == null ? 0 : 1) + (contentType == null ? 0 : 1) + message.headers().size()));
        putEntry(out, CORRELATION_ID, correlationId);
        putEntry(out, CONTENT_TYPE, contentType);
        for (Map.Entry<String, String> header : message.headers().entrySet()) {
            byte[] name = header.getKey().getBytes(StandardCharsets.US_ASCII);
            byte[] value = utf8(header.getValue());
            // Envelope has already refused a name and value over 254 bytes together.
            out.put((byte) APPLICATION).put((byte) (1 + name.length + value.length)).put((byte) name.length)
                    .put(name).put(value);
        }
    }

    private static int entryLength(@Nullable String value) {
        return value == null ? 0 : 2 + utf8(value).length;
    }

    private static void putEntry(ByteBuffer out, int key, @Nullable String value) {
        if (value != null) {
            byte[] bytes = utf8(value);
            // Envelope has already refused values over 255 bytes.
            out.put((byte) key).put((byte) bytes.length).put(bytes);
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
