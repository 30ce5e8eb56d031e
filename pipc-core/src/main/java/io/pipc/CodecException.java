package io.pipc;

import org.jspecify.annotations.Nullable;

/**
 * A {@link Codec} could not encode a value or decode a message. The pipe stays usable: a
 * value that failed to encode was not written, and a message that failed to decode was
 * consumed and the next read returns the next message.
 */
public final class CodecException extends PipeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be encoded or decoded, and why
     */
    public CodecException(String message) {
        super(message);
    }

    /**
     * @param message what could not be encoded or decoded, and why
     * @param cause the codec's own failure
     */
    public CodecException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
