package io.pipc.codec;

/**
 * How much one JSON message may ask of the parser, enforced by Jackson's
 * {@code StreamReadConstraints} while it reads, so that a hostile peer cannot make a decode
 * recurse deeply, buffer a huge token, or spend quadratic time on a long number. A message over
 * a limit is refused with a {@link io.pipc.CodecException}; the pipe stays usable.
 *
 * <p>The JSON codec applies the same nesting depth and document length when it encodes, so a
 * value the peer would refuse is refused at {@code write} instead, and nothing is sent.
 *
 * @param maxNestingDepth the deepest nesting of arrays and objects, at least 1
 * @param maxDocumentLength the longest message, in bytes, at least 1
 * @param maxStringLength the longest string value, in chars, at least 1
 * @param maxNumberLength the longest number, in characters, at least 1
 */
public record JsonLimits(int maxNestingDepth, long maxDocumentLength, int maxStringLength, int maxNumberLength) {

    private static final JsonLimits DEFAULTS = new JsonLimits(64, 8L * 1024 * 1024, 8 * 1024 * 1024, 1000);

    /**
     * @throws IllegalArgumentException when a limit is below 1
     */
    public JsonLimits {
        requirePositive("maxNestingDepth", maxNestingDepth);
        requirePositive("maxDocumentLength", maxDocumentLength);
        requirePositive("maxStringLength", maxStringLength);
        requirePositive("maxNumberLength", maxNumberLength);
    }

    /**
     * The defaults: nesting depth 64, documents of 8 MiB, strings as long as a document can
     * hold (8 Mi chars), numbers of 1000 digits (as Jackson). Lower the string length to refuse
     * long strings early; raise the document length together with the pipe's
     * {@code maxMessageSize}.
     *
     * @return the default limits
     */
    public static JsonLimits defaults() {
        return DEFAULTS;
    }

    /**
     * @param maxNestingDepth the deepest nesting of arrays and objects
     * @return a copy with that depth
     */
    public JsonLimits withMaxNestingDepth(int maxNestingDepth) {
        return new JsonLimits(maxNestingDepth, maxDocumentLength, maxStringLength, maxNumberLength);
    }

    /**
     * @param maxDocumentLength the longest message, in bytes
     * @return a copy with that length
     */
    public JsonLimits withMaxDocumentLength(long maxDocumentLength) {
        return new JsonLimits(maxNestingDepth, maxDocumentLength, maxStringLength, maxNumberLength);
    }

    /**
     * @param maxStringLength the longest string value, in chars
     * @return a copy with that length
     */
    public JsonLimits withMaxStringLength(int maxStringLength) {
        return new JsonLimits(maxNestingDepth, maxDocumentLength, maxStringLength, maxNumberLength);
    }

    /**
     * @param maxNumberLength the longest number, in chars
     * @return a copy with that length
     */
    public JsonLimits withMaxNumberLength(int maxNumberLength) {
        return new JsonLimits(maxNestingDepth, maxDocumentLength, maxStringLength, maxNumberLength);
    }

    private static void requirePositive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException("JsonLimits." + name + " must be at least 1 (was " + value + ")");
        }
    }
}
