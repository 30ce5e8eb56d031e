package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeTest {

    private static final byte[] PAYLOAD = {1, 2};

    @Test
    void applicationHeadersAreCopiedKeepingTheirOrderAndCannotBeChanged() {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("z", "1");
        given.put("a", "2");
        Envelope envelope = Envelope.of(PAYLOAD).withHeaders(given);
        given.put("later", "3");

        assertThat(envelope.headers()).containsExactly(Map.entry("z", "1"), Map.entry("a", "2"));
        assertThatThrownBy(() -> envelope.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(envelope.hasHeaders()).isTrue();
        assertThat(Envelope.of(PAYLOAD).hasHeaders()).isFalse();
        assertThat(envelope).isNotEqualTo(Envelope.of(PAYLOAD)).hasToString("Envelope[2 bytes, headers={z=1, a=2}]");
        assertThat(envelope.withCorrelationId("c").headers()).isEqualTo(envelope.headers());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "with space", "colon:", "ü", "(paren)"})
    void aNameThatIsNotAnHttpTokenIsRefusedNamingIt(String name) {
        assertThatThrownBy(() -> Envelope.of(PAYLOAD).withHeaders(Map.of(name, "v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
    }

    @Test
    void aNameOverSixtyFourCharactersIsRefused() {
        Envelope.of(PAYLOAD).withHeaders(Map.of("n".repeat(64), "v"));

        assertThatThrownBy(() -> Envelope.of(PAYLOAD).withHeaders(Map.of("n".repeat(65), "v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 64 characters");
    }

    @Test
    void aNameAndValueOverTwoHundredFiftyFourBytesTogetherAreRefused() {
        Envelope.of(PAYLOAD).withHeaders(Map.of("k", "x".repeat(253)));

        assertThatThrownBy(() -> Envelope.of(PAYLOAD).withHeaders(Map.of("k", "x".repeat(252) + "ü")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("application header 'k' takes 255 bytes of UTF-8 with its name; at most 254 are allowed");
    }

    @Test
    void moreThanSixteenHeadersAreRefused() {
        Map<String, String> headers = new HashMap<>();
        for (int i = 0; i < 17; i++) {
            headers.put("h" + i, "v");
        }

        assertThatThrownBy(() -> Envelope.of(PAYLOAD).withHeaders(headers))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 16 application headers (was 17");
    }

    @Test
    void aNullValueIsRefusedNamingTheHeader() {
        Map<String, String> headers = new HashMap<>();
        headers.put("traceparent", null);

        assertThatThrownBy(() -> Envelope.of(PAYLOAD).withHeaders(headers))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("'traceparent' has no value");
    }
}
