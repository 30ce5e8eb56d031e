package io.pipc.wire;

import io.pipc.PipeOptions;

/**
 * Byte-compatible with CPython's {@code multiprocessing.connection}: a 4-byte big-endian signed
 * length before each message ({@code -1} then an 8-byte length for messages over 2 GiB), no
 * headers and no control frames, and with a secret (Python's "authkey") its HMAC
 * challenge-response in both directions.
 */
final class PythonWire implements WireFormat {

    private final PipeOptions options;
    private final String pipeName;

    PythonWire(PipeOptions options, String pipeName) {
        this.options = options;
        this.pipeName = pipeName;
    }

    @Override
    public Handshake newHandshake(Role role, ConnectionBinding connection) {
        return new PythonHandshake(pipeName, role, options.secret(), connection);
    }

    @Override
    public FrameDecoder newDecoder() {
        return new PythonFrameDecoder(pipeName, options.maxMessageSize(), !options.hasSecret());
    }

    @Override
    public FrameEncoder encoder() {
        return PythonFrameEncoder.INSTANCE;
    }

    @Override
    public String toString() {
        return "PythonWire[" + pipeName + "]";
    }
}
