package io.pipc.wire;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

import io.pipc.Envelope;

/**
 * Writes Python wire messages: the 4-byte big-endian length, then the payload. Headers are
 * not carried, and there are no control frames: a disconnect or goodbye is a close. The 8-byte
 * length form is never needed, since a Java array is shorter than 2 GiB.
 */
final class PythonFrameEncoder implements FrameEncoder {

    /** The encoder holds no state, so one serves every connection. */
    static final PythonFrameEncoder INSTANCE = new PythonFrameEncoder();

    /** Bytes in the length prefix. */
    static final int LENGTH_PREFIX = 4;

    private PythonFrameEncoder() {
    }

    @Override
    public int dataHeaderLength(Envelope message) {
        return LENGTH_PREFIX;
    }

    @Override
    public void encodeDataHeader(Envelope message, ByteBuffer out) {
        encodePlainDataHeader(message.payload().length, out);
    }

    @Override
    public int plainDataHeaderLength() {
        return LENGTH_PREFIX;
    }

    @Override
    public void encodePlainDataHeader(int payloadLength, ByteBuffer out) {
        if (out.remaining() < LENGTH_PREFIX) {
            throw new BufferOverflowException();
        }
        out.putInt(payloadLength);
    }

    @Override
    public int maxControlFrameLength() {
        return 0;
    }

    @Override
    public boolean encodeHeartbeat(ByteBuffer out) {
        return false;
    }

    @Override
    public boolean encodeDisconnect(String reason, ByteBuffer out) {
        return false;
    }

    @Override
    public boolean encodeGoodbye(ByteBuffer out) {
        return false;
    }

    @Override
    public boolean encodeStop(ByteBuffer out) {
        return false;
    }

    @Override
    public String toString() {
        return "PythonFrameEncoder";
    }
}
