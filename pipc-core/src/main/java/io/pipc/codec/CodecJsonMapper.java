package io.pipc.codec;

import java.util.Objects;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamWriteConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes the {@link JsonMapper} a JSON codec reads and writes with: a copy of the given mapper
 * (its modules, features and annotations kept) with the codec's {@link JsonLimits} as its
 * stream constraints and {@link ClassNameTypeIdValidator} as its polymorphic type validator.
 */
final class CodecJsonMapper {

    private CodecJsonMapper() {
    }

    /**
     * @param limits the limits to impose
     * @return a mapper with Jackson's defaults and those limits
     */
    static JsonMapper create(JsonLimits limits) {
        return from(new JsonMapper(), limits);
    }

    /**
     * @param base the mapper whose configuration to keep; left unchanged
     * @param limits the limits to impose
     * @return a copy of {@code base} with the limits and the type-id policy
     * @throws IllegalArgumentException when {@code base} has default typing on
     */
    static JsonMapper from(JsonMapper base, JsonLimits limits) {
        Objects.requireNonNull(base, "mapper");
        Objects.requireNonNull(limits, "limits");
        if (base.deserializationConfig().getDefaultTyper(base.constructType(Object.class)) != null) {
            throw new IllegalArgumentException("the JsonMapper has default typing activated, which lets a peer choose the"
                    + " classes to instantiate; build it without activateDefaultTyping for a pipe codec");
        }
        JsonFactory factory = base.tokenStreamFactory().rebuild()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxDocumentLength(limits.maxDocumentLength())
                        .maxStringLength(limits.maxStringLength())
                        .maxNumberLength(limits.maxNumberLength())
                        .build())
                .streamWriteConstraints(StreamWriteConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .build())
                .build();
        return new Rebuilder(base, factory)
                .polymorphicTypeValidator(ClassNameTypeIdValidator.INSTANCE)
                .build();
    }

    /**
     * {@code JsonMapper.rebuild()} keeps a mapper's stream factory, and the factory holds the
     * constraints; Jackson offers no setter for it, so this builder starts from the mapper's
     * saved state and swaps the factory through the field subclasses may set.
     */
    private static final class Rebuilder extends JsonMapper.Builder {

        Rebuilder(JsonMapper base, JsonFactory factory) {
            super(new JsonMapper.Builder.StateImpl(base.rebuild()));
            _streamFactory = factory;
        }
    }
}
