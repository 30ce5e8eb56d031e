package io.pipc.wire;

import org.jspecify.annotations.Nullable;

/**
 * The type byte of a native frame. Any other value is a protocol error.
 */
enum FrameType {
    /** The body is the payload. */
    DATA(0x01),
    /** The body is a header block, then the payload. */
    DATA_WITH_HEADERS(0x02),
    /** Empty: the sender is alive. */
    HEARTBEAT(0x10),
    /** The body is the UTF-8 reason, at most {@value NativeWire#MAX_DISCONNECT_REASON} bytes. */
    DISCONNECT(0x11),
    /** Empty: the sender sends nothing more. */
    GOODBYE(0x12),
    /** Empty: the sender asks its peer to send nothing more, and goes on writing itself. */
    STOP(0x13),
    /** The body is the sender's nonce. */
    AUTH_CHALLENGE(0x20),
    /** The body is the sender's HMAC over the peer's nonce. */
    AUTH_RESPONSE(0x21),
    /** One byte: whether the sender accepted the peer's response. */
    AUTH_RESULT(0x22);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /**
     * @return the byte on the wire
     */
    byte code() {
        return (byte) code;
    }

    /**
     * @return whether this frame belongs to the authentication handshake
     */
    boolean isAuthentication() {
        return this == AUTH_CHALLENGE || this == AUTH_RESPONSE || this == AUTH_RESULT;
    }

    /**
     * @param code the type byte as received
     * @return its type, or null when it names none
     */
    static @Nullable FrameType of(byte code) {
        return BY_CODE[code & 0xFF];
    }
}
