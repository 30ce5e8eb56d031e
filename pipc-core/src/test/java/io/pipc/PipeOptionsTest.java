package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PipeOptionsTest {

    @Test
    void defaultsAreSafeAndDocumented() {
        PipeOptions defaults = PipeOptions.defaults();

        assertThat(defaults.maxMessageSize()).isEqualTo(8 * 1024 * 1024);
        assertThat(defaults.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.queueCapacityMessages()).isEqualTo(4096);
        assertThat(defaults.queueCapacityBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(defaults.hasSecret()).isFalse();
        assertThat(defaults.sslContext()).isNull();
        assertThat(defaults.wire()).isEqualTo(Wire.NATIVE);
        assertThat(defaults.heartbeat()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.directory()).isNull();
        assertThat(defaults.allowAnyPeerUser()).isFalse();
        assertThat(defaults.allowedPeerUsers()).isEmpty();
    }

    @Test
    void negativeSizesAndTimeoutsAreRefusedNamingTheOption() {
        PipeOptions.Builder b = PipeOptions.builder();

        assertThatThrownBy(() -> b.maxMessageSize(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxMessageSize").hasMessageContaining("(was -1)");
        assertThatThrownBy(() -> b.writeTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("writeTimeout must not be negative (was PT-1S)");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(-1))).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> b.heartbeat(Duration.ofSeconds(-1))).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> b.handshakeTimeout(Duration.ZERO)).hasMessage("handshakeTimeout must be positive (was PT0S)");
        assertThatThrownBy(() -> b.frameTimeout(Duration.ZERO)).hasMessageContaining("frameTimeout");
        assertThatThrownBy(() -> b.queueCapacity(0, 10)).hasMessage("queueCapacity messages must be at least 1 (was 0)");
        assertThatThrownBy(() -> b.queueCapacity(10, -5)).hasMessage("queueCapacity bytes must be at least 1 (was -5)");
        assertThatThrownBy(() -> b.maxConnections(0)).hasMessageContaining("maxConnections");
        assertThatThrownBy(() -> b.secret(new byte[0])).hasMessageContaining("secret");
        assertThatThrownBy(() -> b.name(" ")).hasMessageContaining("name");
        assertThatThrownBy(() -> b.allowedPeerUsers(Set.of(""))).hasMessageContaining("allowedPeerUsers");
    }

    @Test
    void isImmutableAndTheSecretIsCopiedInAndOut() {
        byte[] secret = "s3cret".getBytes(StandardCharsets.UTF_8);
        PipeOptions options = PipeOptions.builder().secret(secret).build();

        secret[0] = 'X';
        options.secret()[1] = 'Y';

        assertThat(options.secret()).isEqualTo("s3cret".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void toBuilderDerivesAVariantAndLeavesTheOriginal() {
        PipeOptions original = PipeOptions.builder().maxMessageSize(1000).secret("k").build();

        PipeOptions variant = original.toBuilder().writeTimeout(Duration.ofSeconds(1)).build();

        assertThat(variant.maxMessageSize()).isEqualTo(1000);
        assertThat(variant.secret()).isEqualTo(original.secret());
        assertThat(variant.writeTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(original.writeTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(variant).isNotEqualTo(original);
        assertThat(original.toBuilder().build()).isEqualTo(original).hasSameHashCodeAs(original);
    }

    @Test
    void toStringNeverShowsTheSecret() {
        PipeOptions options = PipeOptions.builder().secret("hunter2").build();

        assertThat(options.toString()).doesNotContain("hunter2").contains("secret=(set)");
    }

    @Test
    void aStringSecretIsItsUtf8Bytes() {
        assertThat(PipeOptions.builder().secret("ключ").build().secret()).isEqualTo("ключ".getBytes(StandardCharsets.UTF_8));
    }
}
