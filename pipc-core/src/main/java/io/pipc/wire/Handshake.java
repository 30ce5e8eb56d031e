package io.pipc.wire;

import java.nio.ByteBuffer;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

/**
 * The opening exchange of one connection, as a pure state machine: identifying the protocol
 * and, with a secret, proving on both sides that the peer knows it. Nothing else crosses the
 * connection until the handshake is complete.
 *
 * <p>The driver loops: while {@link #hasOutput()}, {@link #produce} into its output buffer and
 * send it; feed each received chunk to {@link #consume}, in any split; stop when
 * {@link #isComplete()} and hand the bytes left in the input buffer to the
 * {@link FrameDecoder}. All output must be sent before the first frame (it may still hold the
 * last handshake message when the handshake completes).
 *
 * <p>Not thread-safe: one driver per handshake. After it has thrown, every later call to
 * {@link #consume} or {@link #endOfStream()} throws the same exception again.
 */
public sealed interface Handshake permits NativeHandshake, PythonHandshake {

    /**
     * @return whether bytes are waiting to be sent to the peer
     */
    boolean hasOutput();

    /**
     * Moves as many waiting bytes as fit into {@code out}.
     *
     * @param out the buffer to fill, in write mode
     */
    void produce(ByteBuffer out);

    /**
     * Takes handshake bytes from {@code in}. Bytes that follow the end of the handshake stay in
     * {@code in}, untouched, for the frame decoder. When this throws, {@link #hasOutput()} may
     * still be true (a refusal for the peer); the driver sends it, best effort, before closing.
     *
     * @param in the received bytes, in read mode
     * @throws ProtocolException when the peer does not speak this wire, or breaks its rules
     * @throws AuthenticationException when either side fails to prove the secret, or only one has one
     */
    void consume(ByteBuffer in);

    /**
     * Tells the handshake that the peer's stream ended.
     *
     * @throws PeerClosedException when the handshake was not complete, saying at which step the peer went away
     */
    void endOfStream();

    /**
     * @return whether application frames may now flow, both ways
     */
    boolean isComplete();

    /**
     * @return for the error of a handshake that ran out of time: where it stood and the likely
     *         cause, beginning with {@code "; "}, or empty when there is nothing to add
     */
    String stalled();

    /**
     * @return whether the peer has shown that it requires authentication (for logs and errors)
     */
    boolean peerRequiresAuthentication();

    /**
     * The transport gives up on this handshake (the connection closed, or its deadline passed):
     * the challenge it sent stops being live in this process (see {@code docs/protocol.md},
     * "Authentication"). A handshake that completes or fails does this by itself; calling it
     * again, or after that, is harmless.
     */
    void abandon();
}
