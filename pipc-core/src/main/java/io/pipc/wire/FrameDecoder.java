package io.pipc.wire;

import java.nio.ByteBuffer;
import java.util.List;

import io.pipc.AuthenticationException;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

/**
 * Turns the bytes the peer sends after the handshake into whole {@link Frame}s, whatever the
 * split: a frame may arrive one byte per call, or many frames in one. Every length is checked
 * against the limits before any memory is allocated for the body, and a body's buffer grows
 * with the bytes that actually arrive, never to the length the peer announced.
 *
 * <p>Not thread-safe: one reader per decoder. After it has thrown, the stream cannot be
 * resynchronised; every later call throws an {@link IllegalStateException} and the transport
 * closes the connection.
 */
public sealed interface FrameDecoder permits NativeFrameDecoder, PythonFrameDecoder {

    /**
     * Consumes every byte of {@code in}, appending each frame it completes to {@code out}.
     * When this throws, the frames already appended are whole and valid; the transport may
     * deliver them before reporting the failure.
     *
     * @param in the received bytes, in read mode; empty on return
     * @param out where completed frames are appended, in order
     * @throws MessageTooLargeException when the peer announces a message over the maximum size
     * @throws ProtocolException when the bytes break the wire's rules
     * @throws AuthenticationException on the Python wire without a secret, when the first message
     *         is CPython's authentication challenge: the peer wants an authkey this end lacks
     */
    void decode(ByteBuffer in, List<Frame> out);

    /**
     * Tells the decoder that the peer's stream ended. Between frames that is no error here: the
     * transport decides what a clean end means.
     *
     * @throws PeerClosedException when a frame had begun, saying how many of its bytes arrived
     */
    void endOfStream();

    /**
     * @return whether part of a frame has arrived and the rest has not (for the frame deadline)
     */
    boolean isMidFrame();

    /**
     * @return the bytes held for a message that has begun to arrive and is not complete: the
     *         array its body grows in (it may be larger than what arrived: at most twice that, or
     *         64 KiB), 0 when none is held; a server counts it in its inbound buffer
     */
    int partialCapacity();
}
