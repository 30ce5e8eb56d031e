package io.pipc.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Handshake bytes waiting for the driver to send them, in order.
 */
final class PendingOutput {

    private byte[] bytes = new byte[128];
    private int start;
    private int end;

    /**
     * @param chunk bytes to send after everything already waiting
     */
    void add(byte[] chunk) {
        if (end + chunk.length > bytes.length) {
            int waiting = end - start;
            byte[] target = waiting + chunk.length > bytes.length
                    ? new byte[Math.max(2 * bytes.length, waiting + chunk.length)] : bytes;
            System.arraycopy(bytes, start, target, 0, waiting);
            bytes = target;
            start = 0;
            end = waiting;
        }
        System.arraycopy(chunk, 0, bytes, end, chunk.length);
        end += chunk.length;
    }

    /**
     * @return whether bytes are waiting
     */
    boolean hasRemaining() {
        return end > start;
    }

    /**
     * @param out receives as many waiting bytes as fit
     */
    void moveTo(ByteBuffer out) {
        int n = Math.min(end - start, out.remaining());
        out.put(bytes, start, n);
        start += n;
        if (start == end) {
            start = 0;
            end = 0;
        }
    }

    @Override
    public String toString() {
        return "PendingOutput" + Arrays.toString(Arrays.copyOfRange(bytes, start, end));
    }
}
