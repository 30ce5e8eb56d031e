package io.pipc.boot.autoconfigure.metrics;

import java.net.SocketAddress;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pipc.AuthenticationException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import io.pipc.boot.autoconfigure.PipeRegistry;
import io.pipc.integration.PipeMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.channel.QueueChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class PipcMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, PipcMetricsAutoConfiguration.class))
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean("in", QueueChannel.class)
            .withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.inbound-channel=in");

    @Test
    void messagesAndBytesInAndOutAreCountedByNameTransportAndRole() {
        this.runner.run((context) -> {
            Pipe peer = context.getBean(PipeRegistry.class).inProcessPeer("orders");
            peer.write("12345");
            assertThat(context.getBean("in", QueueChannel.class).receive(10_000)).isNotNull();
            context.getBean("ordersPipe", Pipe.class).write("123");
            assertThat(peer.read(Duration.ofSeconds(10))).hasSize(3);

            MeterRegistry registry = context.getBean(MeterRegistry.class);
            String[] tags = { "name", "orders", "transport", "in-process", "role", "pipe" };
            assertThat(registry.get("pipc.messages.received").tags(tags).counter().count()).isEqualTo(1);
            assertThat(registry.get("pipc.bytes.received").tags(tags).counter().count()).isEqualTo(5);
            assertThat(registry.get("pipc.messages.sent").tags(tags).counter().count()).isEqualTo(1);
            assertThat(registry.get("pipc.bytes.sent").tags(tags).counter().count()).isEqualTo(3);
        });
    }

    @Test
    void openConnectionsOfAServerAreAGauge() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.inbound-channel=in")
                .run((context) -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    Pipe client = Pipes.connect(context.getBean("apiPipeServer", PipeServer.class).address());
                    await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("pipc.connections.open")
                            .tags("name", "api", "role", "server").gauge() != null
                            && registry.get("pipc.connections.open").tags("name", "api").gauge().value() == 1);

                    client.close();

                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> registry.get("pipc.connections.open").tags("name", "api").gauge().value() == 0);
                });
    }

    @Test
    void authenticationFailuresAndRefusedClientsOfAServerAreCountedFromTheServer() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.secret=right")
                .run((context) -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    SocketAddress address = context.getBean("apiPipeServer", PipeServer.class).address();
                    String[] tags = { "name", "api", "transport", "tcp", "role", "server" };
                    assertThat(registry.get("pipc.failures").tags(tags).tag("kind", "authentication").functionCounter()
                            .count()).isZero();

                    assertThatExceptionOfType(AuthenticationException.class).isThrownBy(
                            () -> Pipes.connect(address, PipeOptions.builder().secret("wrong").build()));

                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                        assertThat(registry.get("pipc.failures").tags(tags).tag("kind", "authentication")
                                .functionCounter().count()).isEqualTo(1);
                        assertThat(registry.get("pipc.connections.refused").tags(tags).functionCounter().count())
                                .isEqualTo(1);
                    });
                    assertThat(registry.getMeters())
                            .allSatisfy((meter) -> assertThat(meter.getId().getTag("connectionId")).isNull());
                });
    }

    @Test
    void clientsRefusedOverALimitAndTheBytesHeldForClientsAreMeasuredFromTheServer() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.inbound-channel=in", "pipc.servers.api.max-connections=1")
                .run((context) -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    SocketAddress address = context.getBean("apiPipeServer", PipeServer.class).address();
                    String[] tags = { "name", "api", "transport", "tcp", "role", "server" };
                    try (Pipe first = Pipes.connect(address)) {
                        await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("pipc.connections.open")
                                .tags(tags).gauge() != null && registry.get("pipc.connections.open").tags(tags).gauge().value() == 1);

                        assertThatExceptionOfType(PipeException.class).isThrownBy(() -> Pipes.connect(address));

                        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                            assertThat(registry.get("pipc.connections.limited").tags(tags).functionCounter().count())
                                    .isEqualTo(1);
                            assertThat(registry.get("pipc.connections.refused").tags(tags).functionCounter().count())
                                    .isEqualTo(1);
                        });
                        assertThat(registry.get("pipc.inbound.buffered").tags(tags).gauge().value()).isZero();
                        assertThat(registry.get("pipc.inbound.buffered").tags(tags).gauge().getId().getBaseUnit())
                                .isEqualTo("bytes");
                    }
                });
    }

    @Test
    void noMetersWithoutMicrometer() {
        this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(PipeMetrics.class));
    }

    @Test
    void noMetersWithoutEntries() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, PipcMetricsAutoConfiguration.class))
                .run((context) -> assertThat(context).doesNotHaveBean(PipeMetrics.class));
    }
}
