package io.pipc;

import org.jspecify.annotations.Nullable;

/**
 * The root of every error pipc reports. Unchecked, so that a read loop is not forced to wrap
 * every call; catch the subclass that names what happened.
 *
 * <p>Messages name the pipe, the address where there is one, and what to do about it. An
 * error on one pipe or connection never affects another.
 */
public sealed class PipeException extends RuntimeException
        permits PipeClosedException, PeerClosedException, PeerDisconnectedException,
        PipeTimeoutException, MessageTooLargeException, ProtocolException,
        AuthenticationException, CodecException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what went wrong and what to do.
     * @param message the description
     */
    public PipeException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the cause that led to it.
     * @param message the description
     * @param cause the underlying failure, often an {@link java.io.IOException}
     */
    public PipeException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
