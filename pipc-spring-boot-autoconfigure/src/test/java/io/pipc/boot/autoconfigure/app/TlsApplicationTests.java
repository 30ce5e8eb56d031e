package io.pipc.boot.autoconfigure.app;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pipc.AuthenticationException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.integration.PipcHeaders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * TLS end to end through Spring Boot SSL bundles of PKCS12 files made at test time: this
 * application's server requires client certificates ({@code client-auth}), another
 * application's client pipe presents one from its own bundle, and the server's
 * {@code @ServiceActivator} answers over the encrypted connection. A client without a
 * certificate is refused, and counted.
 */
@SpringBootTest(properties = { "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
        "pipc.servers.api.ssl-bundle=server", "pipc.servers.api.client-auth=true", "pipc.servers.api.codec=string",
        "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=apiIn" })
@Timeout(60)
class TlsApplicationTests {

    @TempDir
    static Path directory;

    private static TestCertificates certificates;

    @Autowired
    @Qualifier("apiPipeServer")
    private PipeServer server;

    @Autowired
    private MeterRegistry meters;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.create(directory);
    }

    @DynamicPropertySource
    static void serverBundle(DynamicPropertyRegistry registry) {
        for (String property : certificates.bundle("server", "server.p12", "trusts-client.p12")) {
            String[] nameAndValue = property.split("=", 2);
            registry.add(nameAndValue[0], () -> nameAndValue[1]);
        }
    }

    @Test
    void clientApplicationWithItsOwnBundleIsAnsweredOverMutualTls() {
        List<String> properties = new ArrayList<>(List.of("side=client", "pipc.pipes.link.transport=tcp",
                "pipc.pipes.link.mode=connect", "pipc.pipes.link.port=" + port(), "pipc.pipes.link.ssl-bundle=client"));
        properties.addAll(List.of(certificates.bundle("client", "client.p12", "trusts-server.p12")));
        try (ConfigurableApplicationContext client = AskingApplication.start(properties.toArray(String[]::new))) {
            AskingApplication.Ask ask = client.getBean(AskingApplication.Ask.class);

            assertThat(ask.ask("hello")).isEqualTo("secured: hello over tcp");
        }
    }

    @Test
    void clientWithoutACertificateIsRefusedAndCountedAsAnAuthenticationFailure() throws Exception {
        PipeOptions noCertificate = PipeOptions.builder().sslContext(certificates.clientWithoutCertificate()).build();
        double before = authenticationFailures();

        assertThatExceptionOfType(AuthenticationException.class)
                .isThrownBy(() -> Pipes.connect(new InetSocketAddress("127.0.0.1", port()), noCertificate));

        await().atMost(Duration.ofSeconds(10)).until(() -> authenticationFailures() == before + 1);
    }

    private double authenticationFailures() {
        return this.meters.get("pipc.failures").tags("name", "api", "role", "server", "kind", "authentication")
                .functionCounter().count();
    }

    private int port() {
        return ((InetSocketAddress) this.server.address()).getPort();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class SecuredApplication {

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @ServiceActivator(inputChannel = "apiIn")
        String answer(String request, @Header(PipcHeaders.TRANSPORT) String transport) {
            return "secured: " + request + " over " + transport;
        }
    }
}
