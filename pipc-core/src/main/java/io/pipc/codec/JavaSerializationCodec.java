package io.pipc.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Objects;
import java.util.function.Supplier;

import io.pipc.Codec;
import io.pipc.CodecException;

import org.jspecify.annotations.Nullable;

/**
 * Java serialization behind an {@link AllowList}: every message is read through a fresh
 * {@link AllowListFilter}, merged with the JVM-wide filter ({@code jdk.serialFilter}) when one
 * is set, so that a class either refuses is never created. A message is exactly one non-null
 * value of the declared type, with nothing after it.
 *
 * @param <T> the declared type of values
 */
final class JavaSerializationCodec<T> implements Codec<T> {

    private final Class<T> type;
    private final AllowList allowList;
    private final JavaSerializationLimits limits;
    private final Supplier<@Nullable ObjectInputFilter> jvmWideFilter;

    /**
     * @param type the declared type; a decoded value of another type is refused
     * @param allowList the classes a message may contain
     * @param limits depth, references, bytes and array length
     * @param jvmWideFilter the JVM-wide filter in force when a message is read, or null
     */
    JavaSerializationCodec(Class<T> type, AllowList allowList, JavaSerializationLimits limits,
            Supplier<@Nullable ObjectInputFilter> jvmWideFilter) {
        this.type = Objects.requireNonNull(type, "type");
        this.allowList = Objects.requireNonNull(allowList, "allowList");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.jvmWideFilter = Objects.requireNonNull(jvmWideFilter, "jvmWideFilter");
    }

    @Override
    public byte[] encode(T value) {
        Values.requireValue(value);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new CodecException("cannot serialize a " + value.getClass().getName() + ": " + e.getMessage()
                    + " does not implement java.io.Serializable", e);
        } catch (IOException | RuntimeException e) {
            throw new CodecException("cannot serialize a " + value.getClass().getName() + ": " + e, e);
        }
        if (bytes.size() > limits.maxBytes()) {
            throw new CodecException("a " + value.getClass().getName() + " serializes to " + bytes.size()
                    + " bytes, over maxBytes " + limits.maxBytes() + ", which the peer would refuse");
        }
        return bytes.toByteArray();
    }

    @Override
    public T decode(byte[] message) {
        if (message.length > limits.maxBytes()) {
            throw new CodecException("message of " + message.length + " bytes exceeds maxBytes " + limits.maxBytes()
                    + "; nothing of it was read");
        }
        AllowListFilter filter = new AllowListFilter(allowList, limits, message);
        ByteArrayInputStream bytes = new ByteArrayInputStream(message);
        Object value;
        try (ObjectInputStream in = new FilteredObjectInputStream(bytes, filter)) {
            in.setObjectInputFilter(withJvmWideFilter(filter));
            value = in.readObject();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new CodecException(whyUnreadable(filter, e), e);
        } catch (StackOverflowError e) {
            // Within every limit a value can contain itself (a back-reference), and the JDK's own readObject code
            // hashes or compares it without end: a list that is its own element, used as a map key. The stream and
            // the half-built value are dropped here, so the reading thread and the pipe go on.
            throw new CodecException("reading the message recursed until this thread's stack overflowed: it holds a"
                    + " value that contains itself where it gets hashed, such as a list that is its own element used"
                    + " as a map key; refused", e);
        }
        // A readObject method may catch a refusal and carry on; the refusal still stands.
        String refusal = filter.rejection();
        if (refusal != null) {
            throw new CodecException(refusal);
        }
        if (bytes.available() > 0) {
            throw new CodecException(bytes.available() + " bytes follow the serialized value; a message carries exactly one value");
        }
        if (value == null) {
            throw new CodecException("the message holds null; pipes carry values, not null");
        }
        if (!type.isInstance(value)) {
            throw new CodecException("the message holds a " + value.getClass().getName() + " where a "
                    + type.getName() + " was expected");
        }
        return type.cast(value);
    }

    /**
     * Hands every object read to the filter before anything holds it: an object of a class
     * allowed only as a superclass, made from a description given for its subclass, never asks
     * the filter, and is refused here.
     */
    private static final class FilteredObjectInputStream extends ObjectInputStream {

        private final AllowListFilter filter;

        FilteredObjectInputStream(ByteArrayInputStream in, AllowListFilter filter) throws IOException {
            super(in);
            this.filter = filter;
            enableResolveObject(true);
        }

        @Override
        protected Object resolveObject(Object value) throws IOException {
            String refusal = filter.refuseAlone(value);
            if (refusal != null) {
                throw new InvalidObjectException(refusal);
            }
            return value;
        }
    }

    private ObjectInputFilter withJvmWideFilter(ObjectInputFilter filter) {
        // Setting a stream's filter replaces the JVM-wide one; merging keeps the operator's policy too.
        ObjectInputFilter jvmWide = jvmWideFilter.get();
        return jvmWide == null ? filter : ObjectInputFilter.merge(filter, jvmWide);
    }

    private static String whyUnreadable(AllowListFilter filter, Exception e) {
        // The filter's reason comes first: whatever the stream threw after a refusal is its echo.
        String refusal = filter.rejection();
        if (refusal != null) {
            return refusal;
        }
        if (e instanceof InvalidClassException && String.valueOf(e.getMessage()).startsWith("filter status: REJECTED")) {
            return "refused by the JVM-wide deserialization filter (jdk.serialFilter)";
        }
        if (e instanceof InvalidClassException) {
            return "a class in the message does not match this JVM's: " + e.getMessage();
        }
        if (e instanceof InvalidObjectException) {
            return "the value's own validation refused it: " + e.getMessage();
        }
        if (e instanceof ClassNotFoundException) {
            return "class " + e.getMessage() + " named in the message is not on this JVM's classpath";
        }
        if (e instanceof IOException) {
            return "not a valid Java serialization stream: " + e;
        }
        return "the value's own deserialization code failed: " + e;
    }

    @Override
    public String toString() {
        return "javaSerialization" + (type == Object.class ? "" : "(" + type.getName() + ")") + "[" + allowList + "]";
    }
}
