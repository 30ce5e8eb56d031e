package io.pipc.codec;

import java.util.Objects;

import io.pipc.Codec;
import io.pipc.CodecException;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON through Jackson 3, bound to one declared type: the message decides values, never
 * classes. Made by {@link Codecs#json(Class, JsonLimits)}, which describes what it guarantees;
 * the factories here are the variants whose signatures name Jackson types (a generic
 * {@link TypeReference}, an application's {@link JsonMapper}). They live here, not in
 * {@code Codecs}, so that {@code Codecs} stays loadable and reflectable without Jackson.
 *
 * <pre>{@code
 * Codec<List<Order>> batches = JsonCodec.of(new TypeReference<List<Order>>() {});
 * Codec<Order> orders = JsonCodec.of(Order.class, applicationMapper, JsonLimits.defaults());
 * }</pre>
 *
 * @param <T> the declared type
 */
public final class JsonCodec<T> implements Codec<T> {

    private final JavaType type;
    private final JsonLimits limits;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    private JsonCodec(JsonMapper mapper, JavaType type, JsonLimits limits) {
        this.type = type;
        this.limits = limits;
        this.reader = mapper.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.writer = mapper.writerFor(type);
    }

    /**
     * JSON bound to a generic type, with {@link JsonLimits#defaults()}.
     *
     * @param type the type of every value, such as {@code new TypeReference<List<Order>>() {}}
     * @param <T> the value type
     * @return the codec
     */
    public static <T> JsonCodec<T> of(TypeReference<T> type) {
        return of(type, JsonLimits.defaults());
    }

    /**
     * JSON bound to a generic type; as {@link Codecs#json(Class, JsonLimits)} in every other way.
     *
     * @param type the type of every value, such as {@code new TypeReference<List<Order>>() {}}
     * @param limits parsing limits
     * @param <T> the value type
     * @return the codec
     */
    public static <T> JsonCodec<T> of(TypeReference<T> type, JsonLimits limits) {
        JsonMapper mapper = CodecJsonMapper.create(limits);
        return new JsonCodec<>(mapper, mapper.constructType(Objects.requireNonNull(type, "type")), limits);
    }

    /**
     * JSON bound to {@code type}, through a copy of the application's own mapper: its modules,
     * naming strategy, features and mix-ins are kept; {@code limits}, the refusal of class-name
     * type ids and of trailing tokens are imposed, as {@link Codecs#json(Class, JsonLimits)}
     * describes. The given mapper itself is not changed.
     *
     * @param type the class of every value
     * @param mapper the application's mapper
     * @param limits parsing limits
     * @param <T> the value type
     * @return the codec
     * @throws IllegalArgumentException when the mapper has default typing activated
     */
    public static <T> JsonCodec<T> of(Class<T> type, JsonMapper mapper, JsonLimits limits) {
        JsonMapper copy = CodecJsonMapper.from(mapper, limits);
        return new JsonCodec<>(copy, copy.constructType(Objects.requireNonNull(type, "type")), limits);
    }

    /**
     * JSON bound to a generic type, through a copy of the application's own mapper.
     *
     * @param type the type of every value
     * @param mapper the application's mapper
     * @param limits parsing limits
     * @param <T> the value type
     * @return the codec
     * @throws IllegalArgumentException when the mapper has default typing activated
     * @see #of(Class, JsonMapper, JsonLimits)
     */
    public static <T> JsonCodec<T> of(TypeReference<T> type, JsonMapper mapper, JsonLimits limits) {
        JsonMapper copy = CodecJsonMapper.from(mapper, limits);
        return new JsonCodec<>(copy, copy.constructType(Objects.requireNonNull(type, "type")), limits);
    }

    /** For {@link Codecs#json(Class, JsonLimits)}, once it has checked that Jackson is present. */
    static <T> JsonCodec<T> forClass(Class<T> type, JsonLimits limits) {
        JsonMapper mapper = CodecJsonMapper.create(limits);
        return new JsonCodec<>(mapper, mapper.constructType(Objects.requireNonNull(type, "type")), limits);
    }

    @Override
    public byte[] encode(T value) {
        Values.requireValue(value);
        byte[] json;
        try {
            json = writer.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new CodecException("cannot write a " + value.getClass().getName() + " as JSON: " + describe(e), e);
        } catch (RuntimeException e) {
            throw new CodecException("writing a " + value.getClass().getName() + " failed in its own code: " + e, e);
        }
        if (json.length > limits.maxDocumentLength()) {
            throw new CodecException("a " + value.getClass().getName() + " is " + json.length + " bytes of JSON, over"
                    + " maxDocumentLength " + limits.maxDocumentLength() + ", which the peer would refuse");
        }
        return json;
    }

    @Override
    public T decode(byte[] message) {
        if (message.length > limits.maxDocumentLength()) {
            throw new CodecException("JSON message of " + message.length + " bytes exceeds maxDocumentLength "
                    + limits.maxDocumentLength() + "; nothing of it was parsed");
        }
        T value;
        try {
            value = reader.readValue(message);
        } catch (JacksonException e) {
            throw new CodecException("not a JSON " + type.toCanonical() + ": " + describe(e), e);
        } catch (RuntimeException e) {
            throw new CodecException("reading a " + type.toCanonical() + " failed in its own code: " + e, e);
        }
        if (value == null) {
            throw new CodecException("JSON null where a " + type.toCanonical() + " was expected; pipes carry values, not null");
        }
        return value;
    }

    private String describe(JacksonException e) {
        if (e instanceof StreamConstraintsException) {
            return e.getOriginalMessage() + " (" + limits + ")";
        }
        StringBuilder text = new StringBuilder(String.valueOf(e.getOriginalMessage()));
        String path = e.getPathReference();
        if (path != null && !path.isEmpty()) {
            text.append(", at ").append(path);
        }
        TokenStreamLocation location = e.getLocation();
        if (location != null && location.getByteOffset() >= 0) {
            text.append(", byte offset ").append(location.getByteOffset());
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return "json(" + type.toCanonical() + ")";
    }
}
