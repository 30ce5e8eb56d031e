package io.pipc;

import org.jspecify.annotations.Nullable;

/**
 * The bytes on the stream are not the wire this end expects: a wrong preface (another
 * protocol, another version, a Python wire peer on a native pipe), a frame of an unknown
 * type, a negative length, a handshake out of order. The connection is closed.
 */
public final class ProtocolException extends PipeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the pipe, what arrived and what was expected
     */
    public ProtocolException(String message) {
        super(message);
    }

    /**
     * @param message names the pipe, what arrived and what was expected
     * @param cause the underlying failure
     */
    public ProtocolException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
