package io.pipc.codec;

import java.io.ObjectInputFilter;
import java.lang.reflect.Proxy;

import org.jspecify.annotations.Nullable;

/**
 * The {@link ObjectInputFilter} for one message: {@code ObjectInputStream} asks it about every
 * class descriptor, array and back-reference before creating anything, and it answers
 * {@code ALLOWED} or {@code REJECTED}, never {@code UNDECIDED}. It keeps the state of one
 * stream (the class just allowed, the array elements so far, the first reason to refuse), so
 * each decode makes its own.
 *
 * <p>What it allows, and why:
 * <ul>
 * <li>A class whose exact name is on the {@link AllowList}; enums and records alike.</li>
 * <li>A proper superclass of the class it allowed just before, and so on up the chain:
 *     {@code ObjectInputStream} asks about a class's serializable superclasses right after the
 *     class ({@code java.lang.Number} after {@code java.lang.Integer}, {@code java.lang.Enum}
 *     after an enum), and their code runs for the allowed class anyway. Asked anywhere else,
 *     they must be listed. (The stream describes each class once; later objects of a described
 *     superclass refer back to that description, and the filter is not asked again.)</li>
 * <li>{@code java.lang.String} and primitive types: strings are read without asking the
 *     filter, and neither has code that runs on deserialization.</li>
 * <li>An array whose element type is primitive, {@code String}, {@code Object}, an interface,
 *     or a class on the list. An array only holds references: every element it holds is checked
 *     on its own when read. {@code Object[]} and interface arrays are what the JDK's own
 *     collections ask for ({@code ArrayList}, {@code HashMap}'s {@code Map.Entry[]}).</li>
 * </ul>
 * Everything else is refused, including dynamic proxies always (their class cannot be listed)
 * and every class a gadget chain would need ({@code HashMap}, {@code HashSet}, ...) unless
 * listed. A refused class is never instantiated and none of its code runs.
 */
final class AllowListFilter implements ObjectInputFilter {

    private final AllowList allowList;
    private final JavaSerializationLimits limits;
    private final long messageLength;

    private @Nullable Class<?> justAllowed;
    private long arrayElements;
    private @Nullable String rejection;

    /**
     * @param allowList the classes a message may contain
     * @param limits depth, references, bytes and array length
     * @param messageLength the length of the message being read, which bounds its arrays
     */
    AllowListFilter(AllowList allowList, JavaSerializationLimits limits, long messageLength) {
        this.allowList = allowList;
        this.limits = limits;
        this.messageLength = messageLength;
    }

    @Override
    public Status checkInput(FilterInfo info) {
        Class<?> previous = justAllowed;
        justAllowed = null;
        String reason = limitExceeded(info);
        if (reason == null && info.serialClass() != null) {
            reason = classRefused(info.serialClass(), info.arrayLength(), previous);
        }
        if (reason == null) {
            return Status.ALLOWED;
        }
        if (rejection == null) {
            rejection = reason;
        }
        return Status.REJECTED;
    }

    /**
     * @return why the first refusal in this stream happened, or null when nothing was refused
     */
    @Nullable String rejection() {
        return rejection;
    }

    private @Nullable String limitExceeded(FilterInfo info) {
        if (info.depth() > limits.maxDepth()) {
            return "object nesting depth " + info.depth() + " exceeds maxDepth " + limits.maxDepth();
        }
        if (info.references() > limits.maxReferences()) {
            return "more than maxReferences " + limits.maxReferences() + " objects and references";
        }
        if (info.streamBytes() > limits.maxBytes()) {
            return "stream of " + info.streamBytes() + " bytes exceeds maxBytes " + limits.maxBytes();
        }
        return null;
    }

    private @Nullable String classRefused(Class<?> type, long arrayLength, @Nullable Class<?> previous) {
        if (type.isArray()) {
            return arrayLength >= 0 ? arrayRefused(type, arrayLength) : elementTypeRefused(type);
        }
        if (Proxy.isProxyClass(type)) {
            return "dynamic proxy class " + type.getName() + " is refused: proxies are never deserialized";
        }
        if (allowList.allows(type.getName()) || type == String.class || type.isPrimitive()) {
            justAllowed = type;
            return null;
        }
        if (previous != null && type != previous && !type.isInterface() && type.isAssignableFrom(previous)) {
            justAllowed = type;
            return null;
        }
        return "class " + type.getName() + " is not on the allow-list (" + allowList
                + "); add its exact name if messages may carry it";
    }

    private @Nullable String arrayRefused(Class<?> type, long length) {
        if (length > limits.maxArrayLength()) {
            return "array " + type.getTypeName() + " of length " + length + " exceeds maxArrayLength " + limits.maxArrayLength();
        }
        if (length > messageLength) {
            return "array " + type.getTypeName() + " of length " + length + " is longer than the message (" + messageLength
                    + " bytes) could fill";
        }
        arrayElements += length;
        if (arrayElements > 2 * messageLength) {
            return "arrays of " + arrayElements + " elements in all, more than a message of " + messageLength + " bytes could fill";
        }
        return elementTypeRefused(type);
    }

    private @Nullable String elementTypeRefused(Class<?> arrayType) {
        Class<?> element = arrayType;
        while (element.isArray()) {
            element = element.getComponentType();
        }
        if (element.isPrimitive() || element == String.class || element == Object.class || element.isInterface()
                || allowList.allows(element.getName())) {
            return null;
        }
        return "array " + arrayType.getTypeName() + " is refused: its element class " + element.getName()
                + " is not on the allow-list (" + allowList + ")";
    }
}
