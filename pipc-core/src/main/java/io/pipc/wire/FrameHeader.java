package io.pipc.wire;

import java.nio.ByteBuffer;

import io.pipc.ProtocolException;

/**
 * The five bytes before every native frame's body: the body's length (unsigned 32-bit
 * big-endian, bit 31 clear) and the frame's type.
 *
 * @param length the body length announced
 * @param type the frame type
 */
record FrameHeader(int length, FrameType type) {

    /** Bytes in a frame header. */
    static final int LENGTH = 5;

    /**
     * @param out receives the header
     * @param type the frame type
     * @param bodyLength the body's length, not negative
     */
    static void write(ByteBuffer out, FrameType type, int bodyLength) {
        out.putInt(bodyLength).put(type.code());
    }

    /**
     * @param header the five bytes as received
     * @param pipeName the pipe, for the error message
     * @return the header they hold
     * @throws ProtocolException when the length is negative or the type unknown
     */
    static FrameHeader parse(FixedChunk header, String pipeName) {
        int length = header.intAt(0);
        byte code = header.bytes()[4];
        if (length < 0) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent a frame whose length field 0x"
                    + Integer.toHexString(length) + " has bit 31 set, which pipc never sends; the stream is"
                    + " corrupt or the peer speaks another protocol");
        }
        FrameType type = FrameType.of(code);
        if (type == null) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent a frame of unknown type 0x"
                    + String.format("%02x", code & 0xFF) + " (announcing " + length + " bytes); this end speaks"
                    + " pipc wire version " + Preface.VERSION + ", so the stream is corrupt or the peer speaks another protocol");
        }
        return new FrameHeader(length, type);
    }
}
