package io.pipc.codec;

/**
 * How much one Java-serialized message may ask of {@code ObjectInputStream}, enforced by the
 * codec's {@link java.io.ObjectInputFilter} as the stream is read, before each object or array
 * is created. A message over a limit is refused with a {@link io.pipc.CodecException}; the pipe
 * stays usable.
 *
 * <p>Beyond {@code maxArrayLength}, an array may never be longer than the message it comes in,
 * and the arrays of one message together may hold at most twice as many elements as the
 * message has bytes: a genuine stream carries at least one byte per element, so only a forged
 * one announces more (the slack covers hash tables, which size their arrays above their
 * entry count). This keeps what a message can allocate proportional to its length.
 *
 * @param maxDepth the deepest nesting of objects within objects, at least 1
 * @param maxReferences the most objects, class descriptors and back-references in one message, at least 1
 * @param maxBytes the longest message, in bytes, at least 1; also checked when encoding
 * @param maxArrayLength the longest single array, at least 1
 */
public record JavaSerializationLimits(int maxDepth, long maxReferences, long maxBytes, int maxArrayLength) {

    private static final JavaSerializationLimits DEFAULTS =
            new JavaSerializationLimits(32, 1_000_000, 8L * 1024 * 1024, 1024 * 1024);

    /**
     * @throws IllegalArgumentException when a limit is below 1
     */
    public JavaSerializationLimits {
        requirePositive("maxDepth", maxDepth);
        requirePositive("maxReferences", maxReferences);
        requirePositive("maxBytes", maxBytes);
        requirePositive("maxArrayLength", maxArrayLength);
    }

    /**
     * The defaults: depth 32, a million references, messages of 8 MiB, arrays of 1 Mi elements.
     *
     * @return the default limits
     */
    public static JavaSerializationLimits defaults() {
        return DEFAULTS;
    }

    /**
     * @param maxDepth the deepest nesting of objects
     * @return a copy with that depth
     */
    public JavaSerializationLimits withMaxDepth(int maxDepth) {
        return new JavaSerializationLimits(maxDepth, maxReferences, maxBytes, maxArrayLength);
    }

    /**
     * @param maxReferences the most objects, descriptors and back-references in one message
     * @return a copy with that count
     */
    public JavaSerializationLimits withMaxReferences(long maxReferences) {
        return new JavaSerializationLimits(maxDepth, maxReferences, maxBytes, maxArrayLength);
    }

    /**
     * @param maxBytes the longest message, in bytes
     * @return a copy with that length
     */
    public JavaSerializationLimits withMaxBytes(long maxBytes) {
        return new JavaSerializationLimits(maxDepth, maxReferences, maxBytes, maxArrayLength);
    }

    /**
     * @param maxArrayLength the longest single array
     * @return a copy with that length
     */
    public JavaSerializationLimits withMaxArrayLength(int maxArrayLength) {
        return new JavaSerializationLimits(maxDepth, maxReferences, maxBytes, maxArrayLength);
    }

    private static void requirePositive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException("JavaSerializationLimits." + name + " must be at least 1 (was " + value + ")");
        }
    }
}
