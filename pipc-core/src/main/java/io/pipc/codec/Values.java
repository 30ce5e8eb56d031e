package io.pipc.codec;

import io.pipc.CodecException;

import org.jspecify.annotations.Nullable;

/** The rule every codec shares: a pipe carries values, never {@code null}. */
final class Values {

    private Values() {
    }

    /**
     * @param value what the caller asked to encode
     * @return the value, when it is not null
     * @throws CodecException when it is null
     */
    static <T> T requireValue(@Nullable T value) {
        if (value == null) {
            throw new CodecException("cannot encode null: pipes carry values, not null; send an empty or sentinel value instead");
        }
        return value;
    }
}
