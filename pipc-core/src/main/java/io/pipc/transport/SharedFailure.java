package io.pipc.transport;

import java.util.Objects;
import java.util.function.Supplier;

import io.pipc.AuthenticationException;
import io.pipc.CodecException;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.ProtocolException;

/**
 * One failure seen by an I/O thread, thrown again to every application thread that touches the
 * pipe afterwards: each gets a fresh exception of the same type and message, with its own stack
 * and the original as cause.
 */
public final class SharedFailure implements Supplier<PipeException> {

    private final PipeException original;

    /**
     * @param original the failure as first seen
     */
    public SharedFailure(PipeException original) {
        this.original = original;
    }

    /**
     * @return the failure as first seen
     */
    public PipeException original() {
        return original;
    }

    @Override
    public PipeException get() {
        // Every pipc exception has a message; a foreign subclass without one is named by its class.
        String message = Objects.requireNonNullElse(original.getMessage(), original.getClass().getName());
        PipeException copy;
        if (original instanceof PeerClosedException e) {
            copy = new PeerClosedException(message, e, e.partialBytesReceived(), e.partialBytesExpected());
        } else if (original instanceof PeerDisconnectedException e) {
            copy = new PeerDisconnectedException(message, e.reason());
            copy.initCause(e);
        } else if (original instanceof PipeClosedException e) {
            copy = new PipeClosedException(message);
            copy.initCause(e);
        } else if (original instanceof PipeTimeoutException e) {
            copy = new PipeTimeoutException(message, e);
        } else if (original instanceof MessageTooLargeException e) {
            copy = new MessageTooLargeException(message, e.size(), e.maximum());
            copy.initCause(e);
        } else if (original instanceof ProtocolException e) {
            copy = new ProtocolException(message, e);
        } else if (original instanceof AuthenticationException e) {
            copy = new AuthenticationException(message, e);
        } else if (original instanceof CodecException e) {
            copy = new CodecException(message, e);
        } else {
            copy = new PipeException(message, original);
        }
        return copy;
    }
}
