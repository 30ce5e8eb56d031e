package io.pipc.integration;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import io.pipc.Codec;

/**
 * A strict UTF-8 codec for tests, standing in for {@code Codecs.string()}.
 */
public final class Utf8Codec implements Codec<String> {

    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] message) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(message)).toString();
        }
        catch (CharacterCodingException ex) {
            throw new IllegalArgumentException("not UTF-8", ex);
        }
    }

    @Override
    public String toString() {
        return "utf8";
    }
}
