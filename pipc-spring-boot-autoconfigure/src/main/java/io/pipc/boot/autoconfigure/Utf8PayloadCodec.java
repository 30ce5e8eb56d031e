package io.pipc.boot.autoconfigure;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.pipc.Codec;

/**
 * {@code codec: string}: strict UTF-8, malformed input refused, never replaced. Stands in for
 * {@code io.pipc.codec.Codecs.string()} until the core's codecs land; {@link PayloadCodecs}
 * is the one place to switch.
 */
final class Utf8PayloadCodec implements Codec<String> {

    static final Utf8PayloadCodec INSTANCE = new Utf8PayloadCodec();

    private Utf8PayloadCodec() {
    }

    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] message) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message))
                    .toString();
        }
        catch (CharacterCodingException ex) {
            throw new IllegalArgumentException("not valid UTF-8: " + ex.getMessage(), ex);
        }
    }

    @Override
    public String toString() {
        return "string";
    }
}
