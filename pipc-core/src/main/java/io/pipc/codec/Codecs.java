package io.pipc.codec;

import io.pipc.Codec;
import io.pipc.CodecException;
import io.pipc.Pipe;

/**
 * The built-in codecs, for {@link Pipe#typed(Codec)}:
 *
 * <pre>{@code
 * TypedPipe<String> lines = pipe.typed(Codecs.string());
 * }</pre>
 *
 * <p>Every codec is immutable and safe to share between threads and pipes. A decode treats the
 * message as hostile and refuses what it cannot read with a {@link CodecException} saying what
 * was wrong; {@code TypedPipe} adds the pipe's name and the codec's {@code toString()}, and the
 * pipe stays usable. No codec carries {@code null}: encoding null is a {@code CodecException}.
 */
public final class Codecs {

    private Codecs() {
    }

    /**
     * Messages as they are: the identity. No copy is made, since a pipe copies what it keeps
     * when writing and gives each read an array of its own.
     *
     * @return the bytes codec
     */
    public static Codec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /**
     * Strings as strict UTF-8: a message that is not valid UTF-8, or a string with an unpaired
     * surrogate, is a {@link CodecException} naming the offset; nothing is ever replaced with
     * {@code U+FFFD} or {@code ?}. Non-BMP characters (emoji) travel as four-byte sequences.
     *
     * @return the string codec
     */
    public static Codec<String> string() {
        return StringCodec.INSTANCE;
    }
}
