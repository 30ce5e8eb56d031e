package io.pipc.wire;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * Gathers a message body of announced length into the array the message will keep.
 *
 * <p>The announced length comes from an untrusted peer, so memory follows the bytes that
 * actually arrive: a body wholly present in the input is copied once, straight into an array
 * of its exact length; otherwise the array starts at {@value #INITIAL_CAPACITY} bytes (or what
 * is already available, if more) and doubles as bytes arrive, never past the announced length.
 * A peer that announces 8 MiB and sends 10 bytes costs 64 KiB, and memory held is never more
 * than twice what arrived. Since growth stops at the announced length, the array is exactly
 * full when the body completes and is handed over without a final copy.
 */
final class BodyAssembler {

    /** The first allocation for a body that did not arrive whole. */
    static final int INITIAL_CAPACITY = 64 * 1024;

    private static final byte[] EMPTY = new byte[0];

    private byte @Nullable [] bytes;
    private int expected;
    private int filled;

    /**
     * Starts a body; allocates nothing.
     *
     * @param expected the announced length, already checked against the limits
     */
    void begin(int expected) {
        this.expected = expected;
        this.filled = 0;
        this.bytes = null;
    }

    /**
     * Takes from {@code in} as many bytes as the body still lacks.
     *
     * @param in received bytes, in read mode
     * @return the whole body once complete, else null
     */
    byte @Nullable [] fill(ByteBuffer in) {
        if (expected == 0) {
            return EMPTY;
        }
        byte[] target = bytes;
        if (target == null) {
            if (in.remaining() >= expected) {
                byte[] whole = new byte[expected];
                in.get(whole);
                return whole;
            }
            target = new byte[Math.min(expected, Math.max(INITIAL_CAPACITY, in.remaining()))];
        }
        int n = Math.min(expected - filled, in.remaining());
        if (filled + n > target.length) {
            int doubled = (int) Math.min(expected, Math.max(2L * target.length, (long) filled + n));
            byte[] grown = new byte[doubled];
            System.arraycopy(target, 0, grown, 0, filled);
            target = grown;
        }
        in.get(target, filled, n);
        filled += n;
        if (filled < expected) {
            bytes = target;
            return null;
        }
        bytes = null;
        return target;
    }

    /**
     * @return the length of the array holding a partial body, 0 when none is held (for tests
     *         that prove memory follows the bytes that arrived)
     */
    int capacity() {
        byte[] held = bytes;
        return held == null ? 0 : held.length;
    }
}
