package io.pipc.boot.autoconfigure.app;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import javax.net.ssl.SSLContext;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import io.pipc.boot.autoconfigure.PipeRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.integration.autoconfigure.IntegrationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A server whose SSL bundle Boot reloads ({@code reload-on-update}) takes the new key for the
 * connections made after the reload, while those made before keep theirs.
 */
@Timeout(90)
class SslBundleReloadTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path first;

    @TempDir
    static Path renewed;

    @TempDir
    Path live;

    private static TestCertificates before;

    private static TestCertificates after;

    @BeforeAll
    static void makeCertificates() throws Exception {
        before = TestCertificates.create(first);
        after = TestCertificates.create(renewed);
    }

    @Test
    void connectionsMadeAfterTheBundleIsReloadedUseTheNewKeyAndThoseMadeBeforeKeepWorking() throws Exception {
        Path keyStore = this.live.resolve("server.p12");
        Files.copy(before.file("server.p12"), keyStore);
        String bundle = "spring.ssl.bundle.jks.server.";
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, SslAutoConfiguration.class,
                        IntegrationAutoConfiguration.class))
                .withUserConfiguration(Answering.class)
                .withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                        "pipc.servers.api.ssl-bundle=server", "pipc.servers.api.codec=string",
                        "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=requests",
                        bundle + "reload-on-update=true", bundle + "keystore.location=file:" + keyStore,
                        bundle + "keystore.password=" + TestCertificates.PASSWORD, bundle + "keystore.type=PKCS12",
                        "spring.ssl.bundle.watch.file.quiet-period=50ms")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    InetSocketAddress api = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                            context.getBean(PipeRegistry.class).getServerPort("api"));
                    SSLContext trustsTheFirstKey = before.clientWithoutCertificate();
                    SSLContext trustsTheRenewedKey = after.clientWithoutCertificate();

                    try (Pipe madeBefore = connect(api, trustsTheFirstKey)) {
                        assertThat(ask(madeBefore, "before")).isEqualTo("answered: before");
                        assertThatExceptionOfType(PipeException.class).isThrownBy(() -> connect(api, trustsTheRenewedKey));

                        Files.copy(after.file("server.p12"), this.live.resolve("renewed.p12"));
                        Files.move(this.live.resolve("renewed.p12"), keyStore, StandardCopyOption.REPLACE_EXISTING,
                                StandardCopyOption.ATOMIC_MOVE);

                        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(PipeException.class)
                                .untilAsserted(() -> {
                                    try (Pipe madeAfter = connect(api, trustsTheRenewedKey)) {
                                        assertThat(ask(madeAfter, "after")).isEqualTo("answered: after");
                                    }
                                });
                        assertThatExceptionOfType(PipeException.class).isThrownBy(() -> connect(api, trustsTheFirstKey));
                        assertThat(ask(madeBefore, "still")).isEqualTo("answered: still");
                    }
                });
    }

    private static Pipe connect(InetSocketAddress server, SSLContext trust) {
        return Pipes.connect(server, PipeOptions.builder().sslContext(trust).connectTimeout(WAIT).build());
    }

    private static String ask(Pipe pipe, String question) {
        pipe.write(question);
        return pipe.readString(WAIT);
    }

    @Configuration(proxyBeanMethods = false)
    static class Answering {

        @Bean
        IntegrationFlow answers() {
            return IntegrationFlow.from("requests").<String, String>transform((request) -> "answered: " + request).get();
        }
    }
}
