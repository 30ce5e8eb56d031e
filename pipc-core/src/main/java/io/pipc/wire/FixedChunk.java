package io.pipc.wire;

import java.nio.ByteBuffer;

/**
 * A short run of bytes of known length (a preface, a frame header, a length prefix, a header
 * value) gathered across as many input buffers as it takes to arrive.
 */
final class FixedChunk {

    private final byte[] bytes;
    private int length;
    private int filled;

    /**
     * @param capacity the longest run this chunk gathers
     */
    FixedChunk(int capacity) {
        this.bytes = new byte[capacity];
        this.length = capacity;
    }

    /**
     * Starts gathering a new run.
     *
     * @param length how many bytes to gather, at most the capacity
     */
    void expect(int length) {
        if (length < 0 || length > bytes.length) {
            throw new IllegalArgumentException("chunk length " + length + " outside 0.." + bytes.length);
        }
        this.length = length;
        this.filled = 0;
    }

    /**
     * Takes from {@code in} as many bytes as the run still lacks.
     *
     * @param in received bytes, in read mode
     * @return whether the run is now complete
     */
    boolean fill(ByteBuffer in) {
        int n = Math.min(length - filled, in.remaining());
        in.get(bytes, filled, n);
        filled += n;
        return filled == length;
    }

    /**
     * @return how many bytes of the run have arrived
     */
    int filled() {
        return filled;
    }

    /**
     * @return the gathered bytes; only the first {@link #filled()} are meaningful
     */
    byte[] bytes() {
        return bytes;
    }

    /**
     * @param offset where the big-endian int starts
     * @return the int at that offset
     */
    int intAt(int offset) {
        return (bytes[offset] & 0xFF) << 24 | (bytes[offset + 1] & 0xFF) << 16
                | (bytes[offset + 2] & 0xFF) << 8 | bytes[offset + 3] & 0xFF;
    }

    /**
     * @param offset where the big-endian long starts
     * @return the long at that offset
     */
    long longAt(int offset) {
        return (long) intAt(offset) << 32 | intAt(offset + 4) & 0xFFFF_FFFFL;
    }
}
