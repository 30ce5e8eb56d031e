package io.pipc.codec;

import java.io.ObjectInputFilter;
import java.util.Objects;
import java.util.Set;

import io.pipc.Codec;
import io.pipc.CodecException;
import io.pipc.Pipe;

/**
 * The built-in codecs, for {@link Pipe#typed(Codec)}:
 *
 * <pre>{@code
 * TypedPipe<String> lines = pipe.typed(Codecs.string());
 * TypedPipe<Order> orders = pipe.typed(Codecs.json(Order.class));
 * TypedPipe<Order> legacy = pipe.typed(Codecs.javaSerialization(Order.class,
 *         Set.of("com.example.Order", "com.example.Order$Line", "java.util.ArrayList")));
 * }</pre>
 *
 * <p>Every codec is immutable and safe to share between threads and pipes. A decode treats the
 * message as hostile and refuses what it cannot read with a {@link CodecException} saying what
 * was wrong; {@code TypedPipe} adds the pipe's name and the codec's {@code toString()}, and the
 * pipe stays usable. No codec carries {@code null}: encoding null is a {@code CodecException}.
 *
 * <p>The JSON codecs need Jackson 3 ({@code tools.jackson.core:jackson-databind}), an optional
 * dependency of pipc: without it this class and the other codecs work, and {@code json}
 * throws {@link IllegalStateException} saying what to add. The JSON variants whose signatures
 * name Jackson types (a generic {@code TypeReference}, an application's {@code JsonMapper}) are
 * on {@link JsonCodec}, so that no signature here needs Jackson to load or to be reflected on.
 */
public final class Codecs {

    private static final String JACKSON = "tools.jackson.databind.json.JsonMapper";

    private Codecs() {
    }

    /**
     * Messages as they are: the identity. No copy is made, since a pipe copies what it keeps
     * when writing and gives each read an array of its own.
     *
     * @return the bytes codec
     */
    public static Codec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /**
     * Strings as strict UTF-8: a message that is not valid UTF-8, or a string with an unpaired
     * surrogate, is a {@link CodecException} naming the offset; nothing is ever replaced with
     * {@code U+FFFD} or {@code ?}. Non-BMP characters (emoji) travel as four-byte sequences.
     *
     * @return the string codec
     */
    public static Codec<String> string() {
        return StringCodec.INSTANCE;
    }

    /**
     * JSON bound to {@code type}, with {@link JsonLimits#defaults()}.
     *
     * @param type the class of every value; records, POJOs, collections of them
     * @param <T> the value type
     * @return the JSON codec
     * @throws IllegalStateException when Jackson 3 is not on the classpath
     * @see #json(Class, JsonLimits)
     */
    public static <T> Codec<T> json(Class<T> type) {
        return json(type, JsonLimits.defaults());
    }

    /**
     * JSON through Jackson 3, bound to {@code type}: the message chooses values, never classes.
     * <ul>
     * <li>Default typing is off, and type ids that name a class
     *     ({@code @JsonTypeInfo(use = CLASS)} or {@code MINIMAL_CLASS}) are refused when
     *     decoding; logical names ({@code use = NAME} with {@code @JsonSubTypes}) work, since
     *     they can only pick a subtype the type's author declared.</li>
     * <li>{@code limits} bound nesting depth, document length, string and number length while
     *     parsing; encoding refuses a value whose JSON is deeper or longer than the peer would
     *     accept, so nothing is sent.</li>
     * <li>Anything after the value (trailing tokens or garbage) is refused.</li>
     * <li>A message that is JSON {@code null} is refused: {@code TypedPipe.read()} never returns
     *     null. Nulls inside a value (a field, a list element) are fine.</li>
     * <li>For a generic type, or to keep an application's {@code JsonMapper} configuration
     *     (modules, naming strategy), see {@link JsonCodec#of(Class, tools.jackson.databind.json.JsonMapper, JsonLimits)}.</li>
     * <li>Otherwise Jackson 3's defaults apply: unknown properties are ignored, so either end
     *     can add a field first, while a missing or null value for a primitive field is
     *     refused.</li>
     * </ul>
     *
     * @param type the class of every value
     * @param limits parsing limits
     * @param <T> the value type
     * @return the JSON codec, with a {@code toString()} such as {@code json(com.example.Order)}
     * @throws IllegalStateException when Jackson 3 is not on the classpath
     */
    public static <T> Codec<T> json(Class<T> type, JsonLimits limits) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(limits, "limits");
        requireJackson();
        return JsonCodec.forClass(type, limits);
    }

    /**
     * Java serialization of any allowed class, with {@link JavaSerializationLimits#defaults()}.
     *
     * @param allowedClassNames the exact names of the classes a message may contain
     * @return the codec
     * @see #javaSerialization(Class, Set, JavaSerializationLimits)
     */
    public static Codec<Object> javaSerialization(Set<String> allowedClassNames) {
        return javaSerialization(Object.class, allowedClassNames, JavaSerializationLimits.defaults());
    }

    /**
     * Java serialization of any allowed class.
     *
     * @param allowedClassNames the exact names of the classes a message may contain
     * @param limits depth, references, bytes and array length
     * @return the codec
     * @see #javaSerialization(Class, Set, JavaSerializationLimits)
     */
    public static Codec<Object> javaSerialization(Set<String> allowedClassNames, JavaSerializationLimits limits) {
        return javaSerialization(Object.class, allowedClassNames, limits);
    }

    /**
     * Java serialization of values of {@code type}, with {@link JavaSerializationLimits#defaults()}.
     *
     * @param type the declared type of every value
     * @param allowedClassNames the exact names of the classes a message may contain
     * @param <T> the value type
     * @return the codec
     * @see #javaSerialization(Class, Set, JavaSerializationLimits)
     */
    public static <T> Codec<T> javaSerialization(Class<T> type, Set<String> allowedClassNames) {
        return javaSerialization(type, allowedClassNames, JavaSerializationLimits.defaults());
    }

    /**
     * Java serialization, which refuses to exist without an allow-list. Reading a message goes
     * through an {@link ObjectInputFilter} that decides on every class before it is created:
     * <ul>
     * <li><b>Exact names only.</b> A class is allowed when its {@link Class#getName()} is in
     *     {@code allowedClassNames}. The set must not be empty, and every entry must be a plain
     *     class name: {@code com.foo.*}, {@code com.foo.**}, {@code !com.foo.Bar},
     *     {@code maxdepth=5}, module prefixes and array descriptors are refused with
     *     {@link IllegalArgumentException}. A package name matches no class.</li>
     * <li><b>Superclasses</b> of a listed class need not be listed: the stream describes them
     *     together with it ({@code java.lang.Number} for {@code java.lang.Integer},
     *     {@code java.lang.Enum} for an enum), and their code runs for the listed class anyway.
     *     Described that way, once, they are not asked about again, so a message holding a
     *     listed class may also hold instances of its serializable superclasses; a superclass
     *     never described with a listed subclass is refused. List a class only if its
     *     superclasses are acceptable too.</li>
     * <li><b>Enums and records</b> are listed by their class name; an enum constant with a body
     *     travels as its enum. Records are rebuilt through their canonical constructor, so its
     *     validation runs, and its exceptions become {@code CodecException}s.</li>
     * <li><b>Strings</b> ({@code java.lang.String}) and primitive types are always allowed.</li>
     * <li><b>Arrays</b> are allowed when their element type is primitive, {@code String},
     *     {@code Object}, an interface, or a listed class; each element is checked on its own.
     *     {@code ArrayList} and {@code HashMap} need only their own names listed.</li>
     * <li><b>Replacements</b>: a class whose {@code readResolve} returns another class needs
     *     both listed, since the filter is asked about the replacement too; {@code List.of(..)}
     *     travels as {@code java.util.CollSer} and becomes
     *     {@code java.util.ImmutableCollections$ListN} or {@code $List12}.</li>
     * <li><b>Dynamic proxies</b> are always refused.</li>
     * <li><b>The JVM-wide filter</b> ({@code jdk.serialFilter}), when set, applies as well:
     *     a class either filter refuses is refused.</li>
     * </ul>
     * A refused class is reported by name in a {@link CodecException}; it is never instantiated
     * and none of its code runs, so the classic gadget chains (through {@code HashMap},
     * {@code HashSet}, {@code PriorityQueue}, ...) stop at their first class unless it was
     * listed. {@code limits} bound depth, references, bytes and array lengths (see
     * {@link JavaSerializationLimits}): memory, not time. A hash-based collection on the list
     * ({@code HashMap}, {@code HashSet}) hashes its keys as they are read, and a key of lists
     * that refer to one shared list many times costs exponentially many hash steps; prefer JSON
     * for peers you do not trust, or keep such collections off the list when their keys may be
     * lists, sets, maps or records holding them. A message must hold exactly one value of
     * {@code type}, not null, and nothing after it.
     *
     * <p>Writing checks only that the value is serializable ({@code CodecException} naming the
     * class that is not) and no longer than {@code maxBytes}; the allow-list is the reader's.
     *
     * @param type the declared type of every value; a message holding another is refused
     * @param allowedClassNames the exact names of the classes a message may contain, at least one
     * @param limits depth, references, bytes and array length
     * @param <T> the value type
     * @return the codec, with a {@code toString()} such as {@code javaSerialization(com.example.Order)[3 classes]}
     * @throws IllegalArgumentException when the allow-list is empty or holds anything but class names
     */
    public static <T> Codec<T> javaSerialization(Class<T> type, Set<String> allowedClassNames,
            JavaSerializationLimits limits) {
        return new JavaSerializationCodec<>(type, AllowList.of(allowedClassNames), limits, ObjectInputFilter.Config::getSerialFilter);
    }

    private static void requireJackson() {
        try {
            Class.forName(JACKSON, false, Codecs.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("Codecs.json needs Jackson 3 on the classpath: add the dependency"
                    + " tools.jackson.core:jackson-databind (pipc declares it optional)", e);
        }
    }
}
