package io.pipc.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.pipc.AuthenticationException;
import io.pipc.Envelope;
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
    default void decode(ByteBuffer in, List<Frame> out) {
        List<Object> entries = new ArrayList<>();
        try {
            decodeEntries(in, entries);
        } finally {
            for (Object entry : entries) {
                out.add(entry instanceof Frame frame ? frame : new Frame.Data(envelopeOf(entry)));
            }
        }
    }

    /**
     * Decodes as {@link #decode} does, appending each message as what an inbound queue keeps
     * rather than as a frame: a message without headers as its bare payload (a {@code byte[]}),
     * one with headers as its {@link Envelope}; a control frame as its {@link Frame}. A socket
     * pipe reads this way, so that a plain message costs its array and nothing around it.
     *
     * @param in the received bytes, in read mode; empty on return
     * @param out where completed messages and control frames are appended, in order
     * @throws MessageTooLargeException as {@link #decode}
     * @throws ProtocolException as {@link #decode}
     * @throws AuthenticationException as {@link #decode}
     */
    void decodeEntries(ByteBuffer in, List<Object> out);

    /**
     * @param message a message as {@link #decodeEntries} appends it: a bare payload or an envelope
     * @return it as an envelope
     */
    static Envelope envelopeOf(Object message) {
        return message instanceof byte[] payload ? Envelope.of(payload) : (Envelope) message;
    }

    /**
     * @param message a message as {@link #decodeEntries} appends it: a bare payload or an envelope
     * @return its payload
     */
    static byte[] payloadOf(Object message) {
        return message instanceof byte[] payload ? payload : ((Envelope) message).payload();
    }

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
