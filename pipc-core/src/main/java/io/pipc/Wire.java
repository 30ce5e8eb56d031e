package io.pipc;

/**
 * How messages are laid out on a byte stream. See {@code docs/protocol.md} for both, byte by byte.
 */
public enum Wire {
    /**
     * pipc's own wire: a preface that identifies the protocol, length-prefixed frames with
     * optional headers, and control frames (disconnect, heartbeat, goodbye). The default.
     */
    NATIVE,
    /**
     * Byte-compatible with Python's {@code multiprocessing.connection}: a 4-byte big-endian
     * length before each message and, with a secret, its HMAC challenge-response handshake.
     * No headers and no control frames: a disconnect is a close, and a peer that stops
     * answering is not detected by heartbeats.
     */
    PYTHON
}
