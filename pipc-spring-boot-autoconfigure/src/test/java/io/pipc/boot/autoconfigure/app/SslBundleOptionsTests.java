package io.pipc.boot.autoconfigure.app;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLSocket;

import io.pipc.PipeServer;
import io.pipc.ProtocolException;
import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An SSL bundle's {@code options.enabled-protocols} and {@code options.ciphers} reach every TLS
 * engine of the pipes and servers that use it: a connection negotiates what the bundle allows,
 * and two ends whose bundles share no version fail, saying so.
 */
@Timeout(60)
class SslBundleOptionsTests {

    /** An ECDHE suite for the tests' EC keys that JSSE does not prefer by default (it prefers AES-256 and TLS 1.3). */
    private static final String TLS12_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

    @TempDir
    static Path keys;

    private static TestCertificates certificates;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, SslAutoConfiguration.class));

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.create(keys);
    }

    @Test
    void aServerWhoseBundleAllowsOnlyTls12AndOneCipherSuiteNegotiatesExactlyThat() {
        this.runner.withPropertyValues(server("TLSv1.2", "spring.ssl.bundle.jks.server.options.ciphers=" + TLS12_SUITE))
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    int port = port(context.getBean("apiPipeServer", PipeServer.class));

                    try (SSLSocket client = (SSLSocket) certificates.clientWithoutCertificate().getSocketFactory()
                            .createSocket("127.0.0.1", port)) {
                        client.setSoTimeout(10_000);
                        client.startHandshake();

                        assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.2");
                        assertThat(client.getSession().getCipherSuite()).isEqualTo(TLS12_SUITE);
                    }
                });
    }

    @Test
    void aClientWhoseBundleSharesNoVersionWithTheServerFailsToStartSayingSo() {
        this.runner.withPropertyValues(server("TLSv1.3")).run((server) -> {
            assertThat(server).hasNotFailed();
            int port = port(server.getBean("apiPipeServer", PipeServer.class));
            List<String> client = new ArrayList<>(List.of("pipc.pipes.link.transport=tcp", "pipc.pipes.link.mode=connect",
                    "pipc.pipes.link.host=127.0.0.1", "pipc.pipes.link.port=" + port,
                    "pipc.pipes.link.connect-timeout=10s", "pipc.pipes.link.ssl-bundle=client",
                    "spring.ssl.bundle.jks.client.options.enabled-protocols=TLSv1.2",
                    // A pipe that reconnects starts anyway, and its health names this failure.
                    "pipc.pipes.link.reconnect=false"));
            client.addAll(List.of(certificates.bundle("client", "client.p12", "trusts-server.p12")));

            this.runner.withPropertyValues(client.toArray(String[]::new)).run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context).getFailure().cause().hasMessageContaining("pipe 'link' (pipc.pipes.link")
                        .hasMessageContaining("share no TLS version or cipher suite")
                        .hasMessageContaining("a Spring SSL bundle's options")
                        .cause().isInstanceOf(ProtocolException.class);
            });
        });
    }

    /** @return a TLS server "api" on loopback whose bundle "server" enables only {@code protocol} */
    private static String[] server(String protocol, String... more) {
        List<String> properties = new ArrayList<>(List.of("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.ssl-bundle=server", "spring.ssl.bundle.jks.server.options.enabled-protocols=" + protocol));
        properties.addAll(List.of(certificates.bundle("server", "server.p12", "trusts-client.p12")));
        properties.addAll(List.of(more));
        return properties.toArray(String[]::new);
    }

    private static int port(PipeServer server) {
        return ((InetSocketAddress) server.address()).getPort();
    }
}
