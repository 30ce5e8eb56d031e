package io.pipc.wire;

import java.nio.ByteBuffer;

import io.pipc.Envelope;

/**
 * Writes frames. A data frame is written in two parts so that a large payload can leave from
 * its own array (a gathering write) while small ones are copied into a coalescing buffer: the
 * header from {@link #encodeDataHeader}, then the payload bytes as they are.
 *
 * <p>Methods that write into a buffer need room for the whole part
 * ({@link #dataHeaderLength} or {@link #maxControlFrameLength()} bytes) and throw
 * {@link java.nio.BufferOverflowException} without it. Stateless and thread-safe.
 */
public sealed interface FrameEncoder permits NativeFrameEncoder, PythonFrameEncoder {

    /**
     * @param message the message about to be written
     * @return how many bytes {@link #encodeDataHeader} writes before the payload
     */
    int dataHeaderLength(Envelope message);

    /**
     * Writes everything that goes before the payload: length, type and headers. Headers the
     * wire cannot carry (the Python wire carries none) are left out.
     *
     * @param message the message about to be written; its payload follows the header on the stream
     * @param out the buffer to write into, in write mode
     */
    void encodeDataHeader(Envelope message, ByteBuffer out);

    /**
     * @return how many bytes {@link #encodePlainDataHeader} writes before a payload
     */
    int plainDataHeaderLength();

    /**
     * Writes what goes before the payload of a message without headers, as
     * {@link #encodeDataHeader} does for an {@code Envelope} of that payload alone: so that a
     * writer of a bare array needs no envelope around it.
     *
     * @param payloadLength the payload's length
     * @param out the buffer to write into, in write mode
     */
    void encodePlainDataHeader(int payloadLength, ByteBuffer out);

    /**
     * @return the most bytes any control frame takes; 0 when the wire has none
     */
    int maxControlFrameLength();

    /**
     * @param out the buffer to write into, in write mode
     * @return false, writing nothing, when this wire has no heartbeat
     */
    boolean encodeHeartbeat(ByteBuffer out);

    /**
     * @param reason why this end disconnects; cut to the wire's limit at a character boundary
     * @param out the buffer to write into, in write mode
     * @return false, writing nothing, when this wire has no disconnect frame (a close says it)
     */
    boolean encodeDisconnect(String reason, ByteBuffer out);

    /**
     * @param out the buffer to write into, in write mode
     * @return false, writing nothing, when this wire has no goodbye frame (a close says it)
     */
    boolean encodeGoodbye(ByteBuffer out);

    /**
     * @param out the buffer to write into, in write mode
     * @return false, writing nothing, when this wire has no stop frame
     */
    boolean encodeStop(ByteBuffer out);

    /**
     * Encodes a whole data frame into a new array, for tests and callers that need no
     * gathering write.
     *
     * @param message the message
     * @return the frame: header, then payload
     */
    default byte[] encodeData(Envelope message) {
        ByteBuffer frame = ByteBuffer.allocate(dataHeaderLength(message) + message.payload().length);
        encodeDataHeader(message, frame);
        frame.put(message.payload());
        return frame.array();
    }
}
