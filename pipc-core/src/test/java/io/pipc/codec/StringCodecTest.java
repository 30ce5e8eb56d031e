package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import io.pipc.Codec;
import io.pipc.CodecException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StringCodecTest {

    private final Codec<String> codec = Codecs.string();

    @ParameterizedTest
    @ValueSource(strings = {"", "plain ascii", "größe €", "日本語", "emoji \uD83D\uDE00 and \uD834\uDD1E clef", "nul\u0000inside"})
    void stringsRoundTrip(String text) {
        byte[] encoded = codec.encode(text);

        assertThat(encoded).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        assertThat(codec.decode(encoded)).isEqualTo(text);
    }

    @Test
    void nonBmpCharacterTravelsAsFourBytes() {
        assertThat(codec.encode("\uD83D\uDE00")).containsExactly(0xF0, 0x9F, 0x98, 0x80);
    }

    @Test
    void malformedUtf8IsRefusedWithItsOffset() {
        byte[] message = {'o', 'k', (byte) 0xC3, '(', '!'};

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessage("not valid UTF-8: malformed sequence of 1 byte at offset 2 of 5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"80", "C0AF", "EDA080", "F4908080", "E282"})
    void invalidSequencesAreRefusedNeverReplaced(String hex) {
        byte[] message = HexFormat.of().parseHex(hex);

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("not valid UTF-8");
    }

    @Test
    void unpairedSurrogateCannotBeEncoded() {
        assertThatThrownBy(() -> codec.encode("a\uD83Db"))
                .isInstanceOf(CodecException.class)
                .hasMessage("string of 3 chars cannot be UTF-8: unpaired surrogate U+D83D at index 1");
        assertThatThrownBy(() -> codec.encode("\uDE00"))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("U+DE00 at index 0");
    }

    @Test
    void encodingNullIsRefused() {
        assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(CodecException.class);
    }

    @Test
    void toStringNamesTheEncoding() {
        assertThat(codec).hasToString("string(UTF-8)");
    }
}
