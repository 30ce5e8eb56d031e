package io.pipc.boot.autoconfigure;

import io.pipc.Codec;
import io.pipc.codec.Codecs;
import io.pipc.codec.JsonLimits;

import org.jspecify.annotations.Nullable;

/**
 * The codec a pipe or server entry names in {@code codec}: the core's {@link Codecs}.
 */
final class PayloadCodecs {

    /** The class whose presence says Jackson 3 is there for {@code codec: json}. */
    static final String JACKSON_CLASS = "tools.jackson.databind.json.JsonMapper";

    private PayloadCodecs() {
    }

    /**
     * @param codec the configured codec
     * @param jsonType the class json messages are read as
     * @param maxMessageSize the entry's largest message, which bounds a JSON document
     * @return the codec, or null for {@code bytes}: payloads are the {@code byte[]} read
     */
    static @Nullable Codec<?> create(CodecType codec, @Nullable Class<?> jsonType, long maxMessageSize) {
        return switch (codec) {
            case BYTES -> null;
            case STRING -> Codecs.string();
            case JSON -> new JsonPayloadCodec(requireType(jsonType),
                    JsonLimits.defaults().withMaxDocumentLength(maxMessageSize));
        };
    }

    private static Class<?> requireType(@Nullable Class<?> jsonType) {
        if (jsonType == null) {
            throw new IllegalStateException("codec json without json-type passed validation");
        }
        return jsonType;
    }
}
