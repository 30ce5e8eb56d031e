package io.pipc.boot.autoconfigure;

import java.util.Objects;

import io.pipc.Codec;
import io.pipc.codec.Codecs;
import io.pipc.codec.JsonLimits;

/**
 * {@code codec: json}: reads messages as objects of the declared {@code json-type}, and writes
 * any object as JSON, since a reply seldom has the request's type. Both directions are the
 * core's {@link Codecs#json(Class, JsonLimits)}: reading bound to {@code json-type}, writing
 * bound to each value's own class, with the same limits.
 */
final class JsonPayloadCodec implements Codec<Object> {

    private final Class<?> type;

    private final Codec<?> reader;

    private final ClassValue<Codec<Object>> writers;

    JsonPayloadCodec(Class<?> type, JsonLimits limits) {
        this.type = Objects.requireNonNull(type, "type");
        this.reader = Codecs.json(type, limits);
        this.writers = new ClassValue<>() {

            @Override
            @SuppressWarnings("unchecked")
            protected Codec<Object> computeValue(Class<?> valueType) {
                return (Codec<Object>) Codecs.json(valueType, limits);
            }
        };
    }

    @Override
    public byte[] encode(Object value) {
        return this.writers.get(value.getClass()).encode(value);
    }

    @Override
    public Object decode(byte[] message) {
        return this.reader.decode(message);
    }

    @Override
    public String toString() {
        return "json(" + this.type.getName() + ")";
    }
}
