package io.pipc;

import org.jspecify.annotations.Nullable;

/**
 * The peer did not prove knowledge of the shared secret (or of a trusted certificate), or
 * this end has no secret where the peer requires one. No application message crosses a
 * connection before authentication succeeds; after this exception the connection is closed.
 */
public final class AuthenticationException extends PipeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the pipe and the address, and says which side lacked what
     */
    public AuthenticationException(String message) {
        super(message);
    }

    /**
     * @param message names the pipe and the address, and says which side lacked what
     * @param cause the underlying failure, such as a TLS handshake error
     */
    public AuthenticationException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
