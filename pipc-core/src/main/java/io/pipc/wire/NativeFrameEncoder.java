package io.pipc.wire;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.pipc.Envelope;

/**
 * Writes native frames: {@code DATA} for a message without headers, {@code DATA_WITH_HEADERS}
 * for one with a correlation id or content type, and the control frames.
 */
final class NativeFrameEncoder implements FrameEncoder {

    /** The encoder holds no state, so one serves every connection. */
    static final NativeFrameEncoder INSTANCE = new NativeFrameEncoder();

    private NativeFrameEncoder() {
    }

    @Override
    public int dataHeaderLength(Envelope message) {
        return FrameHeader.LENGTH + (message.hasHeaders() ? HeaderBlock.length(message) : 0);
    }

    @Override
    public int plainDataHeaderLength() {
        return FrameHeader.LENGTH;
    }

    @Override
    public void encodePlainDataHeader(int payloadLength, ByteBuffer out) {
        ensureRoom(out, FrameHeader.LENGTH);
        FrameHeader.write(out, FrameType.DATA, payloadLength);
    }

    @Override
    public void encodeDataHeader(Envelope message, ByteBuffer out) {
        int payloadLength = message.payload().length;
        if (!message.hasHeaders()) {
            encodePlainDataHeader(payloadLength, out);
            return;
        }
        int blockLength = HeaderBlock.length(message);
        long bodyLength = (long) blockLength + payloadLength;
        if (bodyLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a message of " + payloadLength + " bytes with " + blockLength
                    + " bytes of headers does not fit one frame (at most " + Integer.MAX_VALUE + " bytes)");
        }
        ensureRoom(out, FrameHeader.LENGTH + blockLength);
        FrameHeader.write(out, FrameType.DATA_WITH_HEADERS, (int) bodyLength);
        HeaderBlock.write(message, out);
    }

    @Override
    public int maxControlFrameLength() {
        return FrameHeader.LENGTH + NativeWire.MAX_DISCONNECT_REASON;
    }

    @Override
    public boolean encodeHeartbeat(ByteBuffer out) {
        ensureRoom(out, FrameHeader.LENGTH);
        FrameHeader.write(out, FrameType.HEARTBEAT, 0);
        return true;
    }

    @Override
    public boolean encodeDisconnect(String reason, ByteBuffer out) {
        ByteBuffer text = truncatedUtf8(reason);
        ensureRoom(out, FrameHeader.LENGTH + text.remaining());
        FrameHeader.write(out, FrameType.DISCONNECT, text.remaining());
        out.put(text);
        return true;
    }

    @Override
    public boolean encodeGoodbye(ByteBuffer out) {
        ensureRoom(out, FrameHeader.LENGTH);
        FrameHeader.write(out, FrameType.GOODBYE, 0);
        return true;
    }

    @Override
    public boolean encodeStop(ByteBuffer out) {
        ensureRoom(out, FrameHeader.LENGTH);
        FrameHeader.write(out, FrameType.STOP, 0);
        return true;
    }

    /**
     * The encoder stops before the first character that would not fit whole, so the reason is
     * cut at a character boundary (a surrogate pair counts as one character).
     */
    private static ByteBuffer truncatedUtf8(String reason) {
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer text = ByteBuffer.allocate(NativeWire.MAX_DISCONNECT_REASON);
        encoder.encode(CharBuffer.wrap(reason), text, true);
        return text.flip();
    }

    /** Checks first, so that a frame is never half written into a buffer too small for it. */
    private static void ensureRoom(ByteBuffer out, int length) {
        if (out.remaining() < length) {
            throw new BufferOverflowException();
        }
    }

    @Override
    public String toString() {
        return "NativeFrameEncoder";
    }
}
