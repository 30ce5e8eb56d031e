package io.pipc.codec;

import java.io.ObjectInputFilter;
import java.io.ObjectStreamConstants;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.util.HashSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The {@link ObjectInputFilter} for one message: {@code ObjectInputStream} asks it about every
 * class descriptor, array and back-reference before creating anything, and it answers
 * {@code ALLOWED} or {@code REJECTED}, never {@code UNDECIDED}. It keeps the state of one
 * stream (the superclass chain being read, the array elements so far, the first reason to
 * refuse), so each decode makes its own, over the message's bytes.
 *
 * <p>What it allows, and why:
 * <ul>
 * <li>A class whose exact name is on the {@link AllowList}; enums and records alike.</li>
 * <li>A serializable proper superclass of that class, only while the stream reads that class's
 *     superclass chain: {@code ObjectInputStream} asks about a class's superclasses right after
 *     the class ({@code java.lang.Number} after {@code java.lang.Integer}, {@code java.lang.Enum}
 *     after an enum), and their code runs for the allowed class anyway. "While" is read from the
 *     stream itself, since the questions alone cannot tell: between a class's descriptor and its
 *     superclass's lies the class's annotation block, where a crafted stream can put objects,
 *     and the question about such an object's class looks exactly like the question about the
 *     superclass (same depth, same count, even the same number of bytes). So a superclass is
 *     allowed only when the block is empty ({@code TC_ENDBLOCKDATA} at the position the
 *     previous question was asked at) and followed by the superclass's descriptor
 *     ({@code TC_CLASSDESC}); or, when the stream's chain ends there ({@code TC_NULL}, or a
 *     {@code TC_REFERENCE} to a descriptor read before), when it is one of the local
 *     superclasses the stream left out, about which the JDK asks without reading further. The
 *     stream describes each class once: a later object of a superclass allowed this way
 *     refers back to that description without a question, so such an object is refused after
 *     it is read and before anything holds it ({@link #refuseAlone}).</li>
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
    private final byte[] message;
    private final long messageLength;

    /** The listed class whose superclass chain may be being read, or null. */
    private @Nullable Class<?> chainOf;
    /** Where the stream was when the last class of that chain was allowed: its annotation block starts there. */
    private long chainEnd;
    /** Where the JDK asks about local superclasses the stream left out, or -1. */
    private long localSuperclassesAt = -1;
    /** Classes allowed only as superclasses in a chain: never to be read on their own. */
    private final Set<Class<?>> superclassesOnly = new HashSet<>();
    private long arrayElements;
    private @Nullable String rejection;

    /**
     * @param allowList the classes a message may contain
     * @param limits depth, references, bytes and array length
     * @param message the whole message being read: its length bounds its arrays, its bytes show
     *        where a superclass chain is being read
     */
    AllowListFilter(AllowList allowList, JavaSerializationLimits limits, byte[] message) {
        this.allowList = allowList;
        this.limits = limits;
        this.message = message;
        this.messageLength = message.length;
    }

    @Override
    public Status checkInput(FilterInfo info) {
        String reason = limitExceeded(info);
        // A question without a class (a back-reference) creates nothing and leaves the chain as it is.
        if (reason == null && info.serialClass() != null) {
            reason = classRefused(info.serialClass(), info.arrayLength(), info.streamBytes());
        }
        if (reason == null) {
            return Status.ALLOWED;
        }
        refuse(reason);
        return Status.REJECTED;
    }

    /**
     * Called for every object read, after it is read and before anything holds it: an object
     * whose class was allowed only as a superclass was made on its own from a description
     * the stream gave for its subclass.
     *
     * @param value an object just read
     * @return why it is refused, or null when it may stay
     */
    @Nullable String refuseAlone(Object value) {
        if (!superclassesOnly.contains(value.getClass()) || allowList.allows(value.getClass().getName())) {
            return null;
        }
        String reason = "an object of class " + value.getClass().getName() + " was read on its own, but the class is"
                + " allowed only as the superclass of a class on the allow-list (" + allowList
                + "); add its exact name if messages may carry it";
        refuse(reason);
        return reason;
    }

    private void refuse(String reason) {
        if (rejection == null) {
            rejection = reason;
        }
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

    private @Nullable String classRefused(Class<?> type, long arrayLength, long position) {
        if (type.isArray()) {
            chainOf = null;
            return arrayLength >= 0 ? arrayRefused(type, arrayLength) : elementTypeRefused(type);
        }
        if (Proxy.isProxyClass(type)) {
            return "dynamic proxy class " + type.getName() + " is refused: proxies are never deserialized";
        }
        if (allowList.allows(type.getName()) || type == String.class || type.isPrimitive()) {
            chainOf = type;
            chainEnd = position;
            localSuperclassesAt = -1;
            return null;
        }
        if (inSuperclassChain(type, position)) {
            superclassesOnly.add(type);
            return null;
        }
        chainOf = null;
        return "class " + type.getName() + " is not on the allow-list (" + allowList
                + "); add its exact name if messages may carry it";
    }

    /**
     * @param type a class not on the list
     * @param position where the stream is as the question is asked
     * @return whether the stream is reading the superclass chain of the last listed class, and
     *         {@code type} belongs to it (see the class comment); moves the chain on if so
     */
    private boolean inSuperclassChain(Class<?> type, long position) {
        Class<?> subclass = chainOf;
        if (subclass == null || type == subclass || type.isInterface() || !Serializable.class.isAssignableFrom(type)
                || !type.isAssignableFrom(subclass)) {
            return false;
        }
        if (position == localSuperclassesAt) {
            return true; // the next local superclass left out, asked about at the same place
        }
        if (byteAt(chainEnd) != ObjectStreamConstants.TC_ENDBLOCKDATA) {
            return false; // the annotation block held something: objects may have been made since
        }
        byte superclass = byteAt(chainEnd + 1);
        if (superclass == ObjectStreamConstants.TC_CLASSDESC && position > chainEnd + 2) {
            chainEnd = position;
            localSuperclassesAt = -1;
            return true;
        }
        long afterChain = superclass == ObjectStreamConstants.TC_NULL ? chainEnd + 2
                : superclass == ObjectStreamConstants.TC_REFERENCE ? chainEnd + 6 : -1;
        if (position == afterChain) {
            localSuperclassesAt = position;
            return true;
        }
        return false;
    }

    private byte byteAt(long position) {
        return position >= 0 && position < message.length ? message[(int) position] : 0;
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
