package io.pipc.boot.autoconfigure;

import io.pipc.Codec;

import org.jspecify.annotations.Nullable;

/**
 * The codec a pipe or server entry names. The one place that maps {@code codec} to an
 * implementation: when {@code io.pipc.codec.Codecs} lands in the core, {@code string} becomes
 * {@code Codecs.string()} and {@code json} decodes with {@code Codecs.json(jsonType)}.
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
            case STRING -> Utf8PayloadCodec.INSTANCE;
            case JSON -> new JsonPayloadCodec(requireType(jsonType), maxMessageSize);
        };
    }

    private static Class<?> requireType(@Nullable Class<?> jsonType) {
        if (jsonType == null) {
            throw new IllegalStateException("codec json without json-type passed validation");
        }
        return jsonType;
    }
}
