/**
 * The built-in {@link io.pipc.Codec}s, made by {@link io.pipc.codec.Codecs}: raw bytes, strict
 * UTF-8 strings, JSON bound to a declared type, and Java serialization behind an exact-match
 * allow-list. A codec turns one value into one whole message and back; {@link io.pipc.Pipe#typed}
 * puts it in front of a pipe, and reports a codec's {@link io.pipc.CodecException} with the
 * pipe's name.
 *
 * <p>Every codec treats the bytes it decodes as hostile: it refuses what it cannot read with a
 * {@code CodecException} saying what was wrong, never replaces or guesses, and bounds the work
 * and memory one message can cost ({@link io.pipc.codec.JsonLimits},
 * {@link io.pipc.codec.JavaSerializationLimits}). No codec carries {@code null}.
 *
 * <p>Jackson 3 ({@code tools.jackson.core:jackson-databind}) is optional: only the JSON codec
 * needs it. Jackson types are named only in {@link io.pipc.codec.JsonCodec} and its two
 * package-private helpers, which are touched only once a JSON codec is asked for, so
 * {@code Codecs} and the other codecs load, work and can be reflected on without Jackson.
 */
@NullMarked
package io.pipc.codec;

import org.jspecify.annotations.NullMarked;
