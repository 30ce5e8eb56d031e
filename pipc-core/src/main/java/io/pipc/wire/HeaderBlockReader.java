package io.pipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

import io.pipc.Envelope;
import io.pipc.ProtocolException;

import org.jspecify.annotations.Nullable;

/**
 * Reads a {@link HeaderBlock} as it arrives, byte by byte if need be, so that the payload
 * behind it can be gathered straight into its own array. Unknown keys are skipped (later
 * versions may add headers); a key other than the application header's seen twice, two
 * application headers of one name, a malformed application header, a count outside
 * 1..{@value HeaderBlock#MAX_ENTRIES}, malformed UTF-8 or a block that runs past the end of its
 * frame is a {@link ProtocolException}.
 */
final class HeaderBlockReader {

    private enum Step { COUNT, ENTRY, VALUE }

    private final String pipeName;
    private final FixedChunk chunk = new FixedChunk(HeaderBlock.MAX_VALUE_LENGTH);
    private final BitSet seenKeys = new BitSet(256);
    private Step step = Step.COUNT;
    private int bodyLength;
    private int consumed;
    private int entriesLeft;
    private int key;
    private @Nullable String correlationId;
    private @Nullable String contentType;
    private @Nullable Map<String, String> headers;

    /**
     * @param pipeName the pipe, for error messages
     */
    HeaderBlockReader(String pipeName) {
        this.pipeName = pipeName;
    }

    /**
     * Starts reading the header block of a new frame.
     *
     * @param bodyLength the frame's body length, which the block must fit in
     */
    void begin(int bodyLength) {
        this.bodyLength = bodyLength;
        this.consumed = 0;
        this.step = Step.COUNT;
        this.seenKeys.clear();
        this.correlationId = null;
        this.contentType = null;
        this.headers = null;
        expect(1);
    }

    /**
     * @param in received bytes, in read mode
     * @return whether the whole block has been read
     */
    boolean read(ByteBuffer in) {
        while (in.hasRemaining()) {
            int before = chunk.filled();
            boolean whole = chunk.fill(in);
            consumed += chunk.filled() - before;
            if (whole && onChunk()) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return how many bytes of the body the block took
     */
    int length() {
        return consumed;
    }

    /**
     * @param payload the payload that followed the block
     * @return the message with the headers read
     */
    Envelope envelope(byte[] payload) {
        Map<String, String> read = headers;
        return new Envelope(payload, correlationId, contentType, read == null ? Map.of() : read);
    }

    private boolean onChunk() {
        byte[] bytes = chunk.bytes();
        switch (step) {
            case COUNT -> {
                entriesLeft = bytes[0] & 0xFF;
                if (entriesLeft < 1 || entriesLeft > HeaderBlock.MAX_ENTRIES) {
                    throw new ProtocolException("pipe '" + pipeName + "': the peer sent a header block of "
                            + entriesLeft + " entries; 1 to " + HeaderBlock.MAX_ENTRIES + " are allowed");
                }
                step = Step.ENTRY;
                expect(2);
            }
            case ENTRY -> {
                key = bytes[0] & 0xFF;
                if (key != HeaderBlock.APPLICATION && seenKeys.get(key)) {
                    throw new ProtocolException("pipe '" + pipeName + "': the peer sent header key 0x"
                            + String.format("%02x", key) + " twice in one frame");
                }
                seenKeys.set(key);
                step = Step.VALUE;
                expect(bytes[1] & 0xFF);
                if ((bytes[1] & 0xFF) == 0) {
                    return onChunk();
                }
            }
            case VALUE -> {
                // Values of unknown keys are skipped unread: a later version may define them differently.
                if (key == HeaderBlock.CORRELATION_ID) {
                    correlationId = decode(bytes, chunk.filled());
                } else if (key == HeaderBlock.CONTENT_TYPE) {
                    contentType = decode(bytes, chunk.filled());
                } else if (key == HeaderBlock.APPLICATION) {
                    readApplicationHeader(bytes, chunk.filled());
                }
                if (--entriesLeft == 0) {
                    return true;
                }
                step = Step.ENTRY;
                expect(2);
            }
        }
        return false;
    }

    private void readApplicationHeader(byte[] bytes, int length) {
        int nameLength = length == 0 ? 0 : bytes[0] & 0xFF;
        if (nameLength < 1 || nameLength > Envelope.MAX_HEADER_NAME_LENGTH || 1 + nameLength > length) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent an application header whose name is "
                    + nameLength + " bytes long in an entry of " + length + "; 1 to " + Envelope.MAX_HEADER_NAME_LENGTH
                    + " bytes within the entry are allowed");
        }
        String name = new String(bytes, 1, nameLength, StandardCharsets.US_ASCII);
        for (int i = 0; i < nameLength; i++) {
            if (!isTokenChar(bytes[1 + i])) {
                throw new ProtocolException("pipe '" + pipeName + "': the peer sent an application header name with byte 0x"
                        + String.format("%02x", bytes[1 + i] & 0xFF) + ", which is not a token character");
            }
        }
        Map<String, String> read = headers;
        if (read == null) {
            read = new LinkedHashMap<>();
            headers = read;
        } else if (read.size() == Envelope.MAX_APPLICATION_HEADERS) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent more than "
                    + Envelope.MAX_APPLICATION_HEADERS + " application headers in one frame");
        }
        String value = decode(bytes, 1 + nameLength, length - 1 - nameLength);
        if (read.putIfAbsent(name, value) != null) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent application header '" + name
                    + "' twice in one frame");
        }
    }

    /** The characters of an HTTP token (RFC 9110 5.6.2), which {@link Envelope} admits in a name. */
    private static boolean isTokenChar(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
                || (b >= 0 && "!#$%&'*+-.^_`|~".indexOf(b) >= 0);
    }

    private void expect(int length) {
        if (consumed + length > bodyLength) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent a header block that runs past the end"
                    + " of its " + bodyLength + "-byte frame");
        }
        chunk.expect(length);
    }

    private String decode(byte[] bytes, int length) {
        return decode(bytes, 0, length);
    }

    private String decode(byte[] bytes, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent header key 0x"
                    + String.format("%02x", key) + " whose value is not valid UTF-8", e);
        }
    }
}
