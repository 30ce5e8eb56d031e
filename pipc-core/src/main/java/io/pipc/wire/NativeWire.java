package io.pipc.wire;

import io.pipc.PipeOptions;

/**
 * pipc's own wire, version 2: a preface, length-prefixed typed frames with optional headers,
 * control frames, and mutual HMAC-SHA256 authentication when a secret is set.
 */
final class NativeWire implements WireFormat {

    /** The longest DISCONNECT reason, in bytes of UTF-8. */
    static final int MAX_DISCONNECT_REASON = 1024;
    /** The largest frame body accepted before authentication completes. */
    static final int MAX_PRE_AUTHENTICATION_FRAME = 4096;
    /** Bytes in an authentication nonce. */
    static final int NONCE_LENGTH = 32;
    /** Bytes in an HMAC-SHA256. */
    static final int MAC_LENGTH = 32;

    private final PipeOptions options;
    private final String pipeName;

    NativeWire(PipeOptions options, String pipeName) {
        this.options = options;
        this.pipeName = pipeName;
    }

    @Override
    public Handshake newHandshake(Role role, ConnectionBinding connection) {
        return new NativeHandshake(pipeName, role, options.secret(), connection, LiveNonces.PROCESS);
    }

    @Override
    public FrameDecoder newDecoder() {
        return new NativeFrameDecoder(pipeName, options.maxMessageSize());
    }

    @Override
    public FrameEncoder encoder() {
        return NativeFrameEncoder.INSTANCE;
    }

    @Override
    public String toString() {
        return "NativeWire[" + pipeName + "]";
    }
}
