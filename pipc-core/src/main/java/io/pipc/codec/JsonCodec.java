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
 * classes. Reads with {@link JsonLimits} as stream constraints, refuses trailing tokens, refuses
 * class-name type ids ({@link ClassNameTypeIdValidator}) and mappers with default typing, and
 * carries no {@code null} (a JSON {@code null} message is refused).
 *
 * <p>The only class of pipc besides {@link CodecJsonMapper} and {@link ClassNameTypeIdValidator}
 * that names Jackson types; {@link Codecs} reaches it only after checking Jackson is present.
 *
 * @param <T> the declared type
 */
final class JsonCodec<T> implements Codec<T> {

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

    static <T> JsonCodec<T> of(Class<T> type, JsonLimits limits) {
        JsonMapper mapper = CodecJsonMapper.create(limits);
        return new JsonCodec<>(mapper, mapper.constructType(Objects.requireNonNull(type, "type")), limits);
    }

    static <T> JsonCodec<T> of(TypeReference<T> type, JsonLimits limits) {
        JsonMapper mapper = CodecJsonMapper.create(limits);
        return new JsonCodec<>(mapper, mapper.constructType(Objects.requireNonNull(type, "type")), limits);
    }

    static <T> JsonCodec<T> of(Class<T> type, JsonMapper base, JsonLimits limits) {
        JsonMapper mapper = CodecJsonMapper.from(base, limits);
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
