package io.pipc;

import java.io.Closeable;
import java.io.Flushable;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One end of a message pipe: whole messages in, whole messages out, the same object whether
 * the other end is another thread, another process or another host.
 *
 * <p>What one end writes in one call, the other end reads in one call, in order. A write
 * blocks while the peer's inbound queue is full (backpressure, up to
 * {@link PipeOptions#writeTimeout()}); it never fails because the reader is slow.
 *
 * <p>Every method is safe to call from any thread. Concurrent writers never interleave the
 * bytes of two messages; concurrent readers each receive whole messages, each message once.
 * Closing a pipe wakes every thread blocked on it with {@link PipeClosedException}.
 *
 * <p>Names follow Python's pIPC: {@link #size()} is its {@code len(pipe)}, {@link #pending()}
 * its {@code pending()}, {@link Pipes#select} its {@code select()}.
 */
public interface Pipe extends Selectable, Flushable, Closeable {

    /**
     * @return the configured or generated name, used in logs and in every error message
     */
    String name();

    /**
     * @return the mechanism behind this pipe
     */
    Transport transport();

    /**
     * Writes one whole message. Blocks while the peer is full, up to {@link PipeOptions#writeTimeout()}.
     * The array may be reused by the caller once this method returns.
     *
     * @param message the bytes, possibly empty
     * @throws MessageTooLargeException when longer than {@link PipeOptions#maxMessageSize()}; nothing is written
     * @throws PipeTimeoutException when the peer stayed full for the whole write timeout; nothing is written
     * @throws PipeClosedException when this end is closed
     * @throws PeerClosedException when the peer has closed or died
     */
    default void write(byte[] message) {
        write(Envelope.of(message));
    }

    /**
     * Writes one whole message, handing the array itself over instead of a copy of it: the
     * ownership-transfer form of {@link #write(byte[])}, for a caller that makes a fresh array
     * per message and wants to save the copy.
     *
     * <p>The contract: from this call on the caller must not change {@code message}, because the
     * reader may receive this very array rather than a copy (an in-process peer does). The same
     * unchanged array may be handed over more than once (a constant message, say); its readers
     * then share it, and none of them may change it either. If the method throws, nothing was
     * written and the array is the caller's again.
     *
     * <p>Only in-process pipes save the copy. Every other transport, and any pipe that does not
     * override this method, copies as {@link #write(byte[])} does, so calling it is always safe
     * under the contract above. Blocking, timeouts and exceptions are those of {@link #write(byte[])}.
     *
     * @param message the bytes, possibly empty; from now on the pipe's, not the caller's
     * @see #write(byte[])
     */
    default void handOver(byte[] message) {
        write(message);
    }

    /**
     * Writes one message as UTF-8.
     *
     * @param message the text
     * @throws CodecException when the text is not valid Unicode (an unpaired surrogate); it is
     *         never written with replacement characters, and nothing is written
     * @see #write(byte[])
     */
    default void write(String message) {
        write(encodeUtf8(name(), message));
    }

    /**
     * Writes one message with its headers (correlation id, content type).
     *
     * @param message the payload and headers
     * @see #write(byte[])
     */
    void write(Envelope message);

    /**
     * Reads the next whole message, blocking until one arrives.
     *
     * @return the message; the caller owns the array
     * @throws PeerClosedException after the last message, when the peer has closed or died
     * @throws PeerDisconnectedException after the last message before the peer's {@link #disconnect(String)}
     * @throws PipeClosedException when this end is closed, before or during the call
     */
    default byte[] read() {
        return readEnvelope().payload();
    }

    /**
     * Reads the next whole message, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait; zero checks without waiting
     * @return the message
     * @throws PipeTimeoutException when no message arrived in time; the pipe stays usable
     * @see #read()
     */
    default byte[] read(Duration timeout) {
        return readEnvelope(timeout).payload();
    }

    /**
     * Reads the next message with its headers, blocking until one arrives.
     *
     * @return the message and its headers
     * @see #read()
     */
    Envelope readEnvelope();

    /**
     * Reads the next message with its headers, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait; zero checks without waiting
     * @return the message and its headers
     * @see #read(Duration)
     */
    Envelope readEnvelope(Duration timeout);

    /**
     * Reads the next message as strict UTF-8.
     *
     * @return the text
     * @throws CodecException when the message is not valid UTF-8; it is consumed, never
     *         decoded with replacement characters, and the pipe stays usable
     * @see #read()
     */
    default String readString() {
        return decodeUtf8(name(), read());
    }

    /**
     * Reads the next message as strict UTF-8, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait
     * @return the text
     * @see #readString()
     * @see #read(Duration)
     */
    default String readString(Duration timeout) {
        return decodeUtf8(name(), read(timeout));
    }

    /**
     * pIPC's {@code len(pipe)}.
     *
     * @return the number of messages received and not yet read; 0 once this end is closed
     */
    int size();

    /**
     * pIPC's {@code pending()}: takes every message queued now, without blocking. Messages
     * queued behind a peer's disconnect stay for later reads.
     *
     * @return the messages, oldest first, possibly none
     * @throws PipeClosedException when this end is closed
     */
    List<byte[]> pending();

    /**
     * {@link #pending()} with the headers: takes every message queued now, without blocking.
     *
     * @return the messages and their headers, oldest first, possibly none
     * @throws PipeClosedException when this end is closed
     */
    default List<Envelope> pendingEnvelopes() {
        List<Envelope> messages = new java.util.ArrayList<>();
        while (size() > 0) {
            try {
                messages.add(readEnvelope(Duration.ZERO));
            } catch (PipeTimeoutException | PeerClosedException | PeerDisconnectedException nothingMore) {
                break;
            }
        }
        return messages;
    }

    /**
     * Hands any coalesced output to the operating system now, waiting up to
     * {@link PipeOptions#writeTimeout()} for room.
     *
     * @throws PipeClosedException when this end is closed
     */
    @Override
    void flush();

    /**
     * pIPC's {@code disconnect()}: tells the peer this end is going away, after every message
     * written before it. The peer reads those messages, then gets a
     * {@link PeerDisconnectedException} carrying {@code reason}.
     *
     * <p>In-process pipes stay usable: the next write from either end reconnects them. For
     * FIFO, Unix socket and TCP pipes the disconnect is final and closes this end once the
     * peer has been told.
     *
     * @param reason a short text for the peer, possibly empty
     */
    void disconnect(String reason);

    /**
     * Asks the peer to send nothing more, while this end may go on writing: the first step of a
     * shutdown that loses nothing. Every message the peer wrote before it learned of this is
     * still delivered; after the last one, reads throw {@link PeerClosedException}. The peer's
     * later writes fail with {@link PeerClosedException}; its reads go on, so this end can still
     * answer what it is reading, then {@link #close()}. Calling it again does nothing.
     *
     * <p>The Python wire has no way to say this; its pipes throw
     * {@link UnsupportedOperationException}, and a shutdown over it can only close.
     *
     * @throws PipeClosedException when this end is closed
     * @throws UnsupportedOperationException when the pipe's wire or implementation cannot do it
     */
    default void stopReceiving() {
        throw new UnsupportedOperationException("pipe '" + name() + "' (" + getClass().getName()
                + ") cannot ask its peer to stop sending; close it instead");
    }

    /**
     * @return whether this end is open; false after {@link #close()} or a final disconnect
     */
    boolean isOpen();

    /**
     * Closes this end: delivers what was already written (up to the write timeout), tells the
     * peer goodbye, releases every resource, and wakes blocked threads with
     * {@link PipeClosedException}. Calling it again does nothing.
     */
    @Override
    void close();

    /**
     * A view of this pipe that writes and reads values of {@code T} through {@code codec}.
     * Reading from the view and from this pipe at once takes messages from one queue.
     *
     * @param codec turns values into messages and back
     * @param <T> the value type
     * @return the typed view
     */
    default <T> TypedPipe<T> typed(Codec<T> codec) {
        return new TypedPipe<>(this, codec);
    }

    private static byte[] encodeUtf8(String pipeName, String message) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(java.nio.CharBuffer.wrap(message));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new CodecException("pipe '" + pipeName + "': a string of " + message.length()
                    + " chars is not valid Unicode (" + e.getMessage() + "); nothing was written", e);
        }
    }

    private static String decodeUtf8(String pipeName, byte[] message) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CodecException("pipe '" + pipeName + "': message of " + message.length
                    + " bytes is not valid UTF-8 (" + e.getMessage() + "); read it with read() to see the bytes", e);
        }
    }
}
