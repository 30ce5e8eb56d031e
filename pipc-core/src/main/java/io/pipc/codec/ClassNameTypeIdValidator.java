package io.pipc.codec;

import tools.jackson.databind.DatabindContext;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;

/**
 * Refuses every polymorphic type id that names a class ({@code @JsonTypeInfo(use = CLASS)} or
 * {@code MINIMAL_CLASS}), whatever the base type: such an id lets the peer pick which class
 * Jackson instantiates, the root of every Jackson gadget. Logical type names
 * ({@code use = NAME} with {@code @JsonSubTypes}) do not come here: they resolve only to the
 * closed set of subtypes the type's author declared.
 */
final class ClassNameTypeIdValidator extends PolymorphicTypeValidator {

    private static final long serialVersionUID = 1L;

    static final ClassNameTypeIdValidator INSTANCE = new ClassNameTypeIdValidator();

    private ClassNameTypeIdValidator() {
    }

    @Override
    public Validity validateBaseType(DatabindContext context, JavaType baseType) {
        return Validity.INDETERMINATE;
    }

    @Override
    public Validity validateSubClassName(DatabindContext context, JavaType baseType, String subClassName) {
        return Validity.DENIED;
    }

    @Override
    public Validity validateSubType(DatabindContext context, JavaType baseType, JavaType subType) {
        return Validity.DENIED;
    }

    @Override
    public String toString() {
        return "class-name type ids refused by pipc's JSON codec";
    }
}
