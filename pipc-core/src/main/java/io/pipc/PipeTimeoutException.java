package io.pipc;

import org.jspecify.annotations.Nullable;

/**
 * A bounded wait ran out: a read with a timeout found no message, a write stayed blocked on
 * a full peer longer than {@link PipeOptions#writeTimeout()}, a rendezvous or connect saw no
 * peer within {@link PipeOptions#connectTimeout()}, or a peer stalled a handshake. The pipe
 * stays usable after a read timeout.
 */
public final class PipeTimeoutException extends PipeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the pipe, what was waited for, and for how long
     */
    public PipeTimeoutException(String message) {
        super(message);
    }

    /**
     * @param message names the pipe, what was waited for, and for how long
     * @param cause the failure that ended the wait, if any
     */
    public PipeTimeoutException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
