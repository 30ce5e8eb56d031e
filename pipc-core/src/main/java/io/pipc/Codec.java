package io.pipc;

/**
 * Turns values into messages and back, for {@link Pipe#typed(Codec)}. Built-in codecs are in
 * {@code io.pipc.codec.Codecs}: bytes, strict UTF-8 strings, JSON bound to a declared type,
 * and allow-listed Java serialization.
 *
 * <p>An implementation may throw any runtime exception for a value it cannot encode or bytes
 * it cannot decode; {@link TypedPipe} reports it as a {@link CodecException} naming the pipe,
 * and the pipe stays usable. Implementations must be safe to call from several threads.
 *
 * @param <T> the type of value carried
 */
public interface Codec<T> {

    /**
     * @param value the value to send
     * @return the message bytes
     */
    byte[] encode(T value);

    /**
     * @param message the bytes of one whole message, from the peer, not to be trusted
     * @return the value
     */
    T decode(byte[] message);
}
