package io.pipc.boot.autoconfigure;

import java.util.Objects;

import io.pipc.Codec;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code codec: json}: reads messages as objects of the declared {@code json-type}, and writes
 * any object as JSON (a reply seldom has the request's type). Bound to the declared type with
 * no default typing, so the input cannot choose a class; nesting and length are limited.
 *
 * <p>Stands in for {@code io.pipc.codec.Codecs.json(Class)} until the core's codecs land;
 * {@link PayloadCodecs} is the one place to switch. The only class that touches Jackson, so
 * that the rest loads without it.
 */
final class JsonPayloadCodec implements Codec<Object> {

    private static final int MAX_NESTING_DEPTH = 64;

    private final Class<?> type;

    private final JsonMapper mapper;

    JsonPayloadCodec(Class<?> type, long maxDocumentLength) {
        this.type = Objects.requireNonNull(type, "type");
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxDocumentLength(maxDocumentLength)
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    }

    @Override
    public byte[] encode(Object value) {
        return this.mapper.writeValueAsBytes(value);
    }

    @Override
    public Object decode(byte[] message) {
        return this.mapper.readValue(message, this.type);
    }

    @Override
    public String toString() {
        return "json(" + this.type.getName() + ")";
    }
}
