package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import javax.net.ssl.SSLContext;

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
        assertThat(defaults.tlsClientAuth()).isFalse();
        assertThat(defaults.tlsProtocols()).isEmpty();
        assertThat(defaults.tlsCipherSuites()).isEmpty();
        assertThat(defaults.maxConnections()).isEqualTo(1000);
        assertThat(defaults.maxHandshakingConnections()).isEqualTo(64);
        assertThat(defaults.maxHandshakingConnectionsPerAddress()).isEqualTo(16);
        assertThat(defaults.maxInboundBuffer()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void tlsProtocolsAndCipherSuitesAreKeptInOrderAndCarriedByToBuilder() throws Exception {
        PipeOptions options = PipeOptions.builder().sslContext(SSLContext.getDefault())
                .tlsProtocols(List.of("TLSv1.3", "TLSv1.2"))
                .tlsCipherSuites(List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")).build();

        PipeOptions copy = options.toBuilder().build();

        assertThat(copy.tlsProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(copy.tlsCipherSuites()).containsExactly("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
        assertThat(copy).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(copy.toBuilder().tlsProtocols(List.of("TLSv1.2")).build()).isNotEqualTo(options);
        assertThat(options.toString()).contains("protocols [TLSv1.3, TLSv1.2]");
    }

    @Test
    void aTlsProtocolOrCipherSuiteTheContextDoesNotSupportIsRefusedNamingIt() throws Exception {
        PipeOptions.Builder b = PipeOptions.builder().sslContext(SSLContext.getDefault());

        assertThatThrownBy(() -> b.tlsProtocols(List.of("TLSv9")).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tlsProtocols holds 'TLSv9', which the SSLContext does not support (it supports ")
                .hasMessageContaining("TLSv1.3");
        assertThatThrownBy(() -> b.tlsProtocols(List.of()).tlsCipherSuites(List.of("TLS_NO_SUCH_SUITE")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tlsCipherSuites holds 'TLS_NO_SUCH_SUITE', which the SSLContext does not support");
        assertThatThrownBy(() -> b.tlsProtocols(List.of(" "))).hasMessage("tlsProtocols must not hold a blank name (was [ ])");
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
        assertThatThrownBy(() -> b.maxHandshakingConnections(0)).hasMessage("maxHandshakingConnections must be at least 1 (was 0)");
        assertThatThrownBy(() -> b.maxHandshakingConnectionsPerAddress(-2))
                .hasMessage("maxHandshakingConnectionsPerAddress must be at least 1 (was -2)");
        assertThatThrownBy(() -> b.maxInboundBuffer(0)).hasMessage("maxInboundBuffer must be at least 1 byte (was 0)");
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
    void serverLimitsAreKeptByToBuilderAndTellOptionsApart() {
        PipeOptions limited = PipeOptions.builder().maxHandshakingConnections(3).maxHandshakingConnectionsPerAddress(2)
                .maxInboundBuffer(4096).build();

        PipeOptions copy = limited.toBuilder().build();

        assertThat(copy.maxHandshakingConnections()).isEqualTo(3);
        assertThat(copy.maxHandshakingConnectionsPerAddress()).isEqualTo(2);
        assertThat(copy.maxInboundBuffer()).isEqualTo(4096);
        assertThat(copy).isEqualTo(limited).hasSameHashCodeAs(limited);
        assertThat(limited.toBuilder().maxHandshakingConnections(4).build()).isNotEqualTo(limited);
        assertThat(limited.toBuilder().maxHandshakingConnectionsPerAddress(3).build()).isNotEqualTo(limited);
        assertThat(limited.toBuilder().maxInboundBuffer(4097).build()).isNotEqualTo(limited);
        assertThat(limited.toString()).contains("maxHandshakingConnections=3/2 per address", "maxInboundBuffer=4096");
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
