package io.pipc.process;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.ProtocolException;

/**
 * A handshake over stdio that failed, told again with what the process end knows and the
 * engine does not: which command it was, how the child ended, what to check.
 */
final class HandshakeFailure {

    private HandshakeFailure() {
    }

    /**
     * @param failure what the pipe engine reported
     * @param explanation appended to its message
     * @return an exception of the same type, with the longer message and the original as cause
     */
    static PipeException explain(PipeException failure, String explanation) {
        String message = failure.getMessage() + "; " + explanation;
        if (failure instanceof PipeTimeoutException) {
            return new PipeTimeoutException(message, failure);
        }
        if (failure instanceof PeerClosedException closed) {
            return new PeerClosedException(message, failure, closed.partialBytesReceived(), closed.partialBytesExpected());
        }
        if (failure instanceof ProtocolException) {
            return new ProtocolException(message, failure);
        }
        if (failure instanceof AuthenticationException) {
            return new AuthenticationException(message, failure);
        }
        // Any other failure (an interrupted wait, say) is not about the peer: it stands as it is.
        return failure;
    }
}
