package io.pipc.codec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.pipc.Codec;
import io.pipc.CodecException;

/**
 * Strings as strict UTF-8, in both directions: bytes that are not UTF-8, and strings that
 * cannot be UTF-8 (an unpaired surrogate), are refused; never replaced with {@code U+FFFD} or
 * {@code ?} as {@code new String(bytes, UTF_8)} and {@link String#getBytes} silently do.
 */
final class StringCodec implements Codec<String> {

    static final StringCodec INSTANCE = new StringCodec();

    private StringCodec() {
    }

    @Override
    public byte[] encode(String value) {
        int index = unpairedSurrogate(Values.requireValue(value));
        if (index >= 0) {
            throw new CodecException("string of " + value.length() + " chars cannot be UTF-8: unpaired surrogate U+"
                    + Integer.toHexString(value.charAt(index)).toUpperCase() + " at index " + index);
        }
        // With surrogates known to pair up, the JDK's fast encoder cannot substitute anything.
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] message) {
        // A decoder of our own (they keep state) that reports, so that the offset can be named.
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(message);
        CharBuffer out = CharBuffer.allocate(message.length); // UTF-8 never yields more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new CodecException("not valid UTF-8: malformed sequence of " + result.length() + " byte"
                    + (result.length() == 1 ? "" : "s") + " at offset " + in.position() + " of " + message.length);
        }
        return out.flip().toString();
    }

    private static int unpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "string(UTF-8)";
    }
}
