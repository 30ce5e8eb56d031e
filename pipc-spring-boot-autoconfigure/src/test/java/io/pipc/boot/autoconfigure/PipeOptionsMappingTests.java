package io.pipc.boot.autoconfigure;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import io.pipc.PipeOptions;
import io.pipc.Transport;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every property that shapes a pipe or server reaches the {@link PipeOptions} it is opened
 * with, TLS from a Spring SSL bundle included.
 */
@Timeout(60)
class PipeOptionsMappingTests {

    @TempDir
    Path directory;

    private final RecordingPipeFactory factory = new RecordingPipeFactory();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, SslAutoConfiguration.class))
            .withBean(PipeFactory.class, () -> this.factory);

    @Test
    void pipePropertiesBecomeItsOptions() {
        PipeOptions serverOptions = PipeOptions.builder().wire(Wire.PYTHON).secret("s3cret").build();
        try (PipeServer server = Pipes.server(new InetSocketAddress("127.0.0.1", 0), serverOptions)) {
            int port = ((InetSocketAddress) server.address()).getPort();
            this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.transport=tcp",
                    "pipc.pipes.orders.mode=connect", "pipc.pipes.orders.port=" + port, "pipc.pipes.orders.wire=python",
                    "pipc.pipes.orders.max-message-size=1MB", "pipc.pipes.orders.connect-timeout=20s",
                    "pipc.pipes.orders.write-timeout=2s", "pipc.pipes.orders.heartbeat=0",
                    "pipc.pipes.orders.handshake-timeout=3s", "pipc.pipes.orders.frame-timeout=4s",
                    "pipc.pipes.orders.queue-capacity.messages=10", "pipc.pipes.orders.queue-capacity.bytes=1KB",
                    "pipc.pipes.orders.secret=s3cret")
                    .run((context) -> {
                        assertThat(context).hasNotFailed();
                        PipeOptions options = this.factory.options("orders");
                        assertThat(options.wire()).isEqualTo(Wire.PYTHON);
                        assertThat(options.maxMessageSize()).isEqualTo(1024 * 1024);
                        assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(20));
                        assertThat(options.writeTimeout()).isEqualTo(Duration.ofSeconds(2));
                        assertThat(options.heartbeat()).isZero();
                        assertThat(options.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
                        assertThat(options.frameTimeout()).isEqualTo(Duration.ofSeconds(4));
                        assertThat(options.queueCapacityMessages()).isEqualTo(10);
                        assertThat(options.queueCapacityBytes()).isEqualTo(1024);
                        assertThat(options.secret()).isEqualTo("s3cret".getBytes(StandardCharsets.UTF_8));
                        assertThat(options.directory()).isEqualTo(this.directory);
                        assertThat(options.sslContext()).isNull();
                        assertThat(options.localAddress()).isNull();
                        assertThat(options.tlsHostnameVerification()).isTrue();
                    });
        }
    }

    @Test
    void rendezvousLocalAddressAndHostnameVerificationBecomeItsOptions() throws Exception {
        PipcProperties properties = new PipcProperties();
        PipcProperties.PipeEntry entry = new PipcProperties.PipeEntry();
        entry.setTransport(Transport.TCP);
        entry.setPort(7001);
        entry.setHost("127.0.0.2");
        entry.setLocalAddress("127.0.0.1");
        entry.setSslBundle("peers");
        entry.setTlsHostnameVerification(false);
        properties.getPipes().put("link", entry);
        PipeDefinition link = PipcDefinitions.resolve(properties, getClass().getClassLoader()).pipes().get(0);

        PipeOptions options = EntryOptions.forPipe("link", link, null,
                new EntryOptions.Tls(SSLContext.getDefault(), List.of(), List.of()));

        assertThat(options.localAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(options.tlsHostnameVerification()).isFalse();
    }

    @Test
    void serverPropertiesBecomeItsOptions() {
        this.runner.withPropertyValues("pipc.servers.api.transport=unix", "pipc.servers.api.path=" + this.directory.resolve("a.sock"),
                "pipc.servers.api.max-connections=7", "pipc.servers.api.allowed-peer-users=alice,bob",
                "pipc.servers.api.allow-any-peer-user=true", "pipc.servers.api.max-handshaking-connections=5",
                "pipc.servers.api.max-handshaking-connections-per-address=3", "pipc.servers.api.max-inbound-buffer=2MB")
                .run((context) -> {
                    PipeOptions options = this.factory.options("api");
                    assertThat(options.maxConnections()).isEqualTo(7);
                    assertThat(options.maxHandshakingConnections()).isEqualTo(5);
                    assertThat(options.maxHandshakingConnectionsPerAddress()).isEqualTo(3);
                    assertThat(options.maxInboundBuffer()).isEqualTo(2L * 1024 * 1024);
                    assertThat(options.allowedPeerUsers()).isEqualTo(Set.of("alice", "bob"));
                    assertThat(options.allowAnyPeerUser()).isTrue();
                });
    }

    @Test
    void serverLimitsDefaultToTheCoresDefaults() {
        this.runner.withPropertyValues("pipc.servers.api.transport=unix", "pipc.servers.api.path=" + this.directory.resolve("a.sock"))
                .run((context) -> {
                    PipeOptions options = this.factory.options("api");
                    PipeOptions core = PipeOptions.defaults();
                    assertThat(options.maxConnections()).isEqualTo(core.maxConnections());
                    assertThat(options.maxHandshakingConnections()).isEqualTo(core.maxHandshakingConnections());
                    assertThat(options.maxHandshakingConnectionsPerAddress())
                            .isEqualTo(core.maxHandshakingConnectionsPerAddress());
                    assertThat(options.maxInboundBuffer()).isEqualTo(core.maxInboundBuffer());
                });
    }

    @Test
    void sslBundleGivesTheServerATlsContextAndClientAuth() throws Exception {
        Path keystore = keystore();
        this.runner.withPropertyValues("spring.ssl.bundle.jks.server.keystore.location=file:" + keystore,
                "spring.ssl.bundle.jks.server.keystore.password=secret", "spring.ssl.bundle.jks.server.keystore.type=PKCS12",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.host=0.0.0.0",
                "pipc.servers.api.ssl-bundle=server", "pipc.servers.api.client-auth=true")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    PipeOptions options = this.factory.options("api");
                    assertThat(options.sslContext()).isNotNull();
                    assertThat(options.tlsClientAuth()).isTrue();
                    assertThat(options.tlsProtocols()).as("no options: the context's defaults").isEmpty();
                    assertThat(options.tlsCipherSuites()).isEmpty();
                });
    }

    @Test
    void sslBundleOptionsBecomeTheTlsVersionsAndCipherSuites() throws Exception {
        Path keystore = keystore();
        String bundle = "spring.ssl.bundle.jks.tls12.";
        this.runner.withPropertyValues(bundle + "keystore.location=file:" + keystore, bundle + "keystore.password=secret",
                bundle + "keystore.type=PKCS12", bundle + "options.enabled-protocols=TLSv1.2",
                bundle + "options.ciphers=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.ssl-bundle=tls12")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    PipeOptions options = this.factory.options("api");
                    assertThat(options.tlsProtocols()).containsExactly("TLSv1.2");
                    assertThat(options.tlsCipherSuites()).containsExactly("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
                });
    }

    /** A PKCS12 keystore with a self-signed key, made by the JDK's keytool. */
    private Path keystore() throws Exception {
        Path keystore = this.directory.resolve("server.p12");
        Process keytool = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "secret", "-keypass", "secret"))
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        assertThat(Files.size(keystore)).isPositive();
        return keystore;
    }
}
