package io.pipc.boot.autoconfigure.health;

import java.time.Duration;

import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import io.pipc.boot.autoconfigure.PipeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class PipcHealthContributorAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class,
                    PipcHealthContributorAutoConfiguration.class))
            .withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.inbound-channel=in");

    @Test
    void contributorHasAnEntryPerPipe() {
        this.runner.run((context) -> {
            assertThat(context).hasBean("pipcHealthContributor");
            Health orders = pipeHealth(context.getBean("pipcHealthContributor", HealthContributor.class), "orders");

            assertThat(orders.getStatus()).isEqualTo(Status.UP);
            assertThat(orders.getDetails()).containsEntry("readBy", "'ordersPipeInboundAdapter'");
        });
    }

    @Test
    void transportIsSpelledAsConfiguredAsInTheHeadersAndMetricTags() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0").run((context) -> {
            HealthContributor pipc = context.getBean("pipcHealthContributor", HealthContributor.class);
            HealthContributor servers = ((CompositeHealthContributor) pipc).getContributor("servers");
            Health api = ((HealthIndicator) ((CompositeHealthContributor) servers).getContributor("api")).health();

            assertThat(pipeHealth(pipc, "orders").getDetails()).containsEntry("transport", "in-process");
            assertThat(api.getDetails()).containsEntry("transport", "tcp");
        });
    }

    @Test
    void pipeWhosePeerClosedIsDownWithTheReason() {
        this.runner.run((context) -> {
            context.getBean(PipeRegistry.class).inProcessPeer("orders").close();
            HealthContributor pipc = context.getBean("pipcHealthContributor", HealthContributor.class);

            await().atMost(Duration.ofSeconds(10)).until(() -> pipeHealth(pipc, "orders").getStatus().equals(Status.DOWN));
            // The reason is what the pipe saw: its peer closed.
            assertThat(String.valueOf(pipeHealth(pipc, "orders").getDetails().get("reason")))
                    .isEqualTo("pipe 'orders.left': peer 'orders.right' closed");
        });
    }

    @Test
    void noContributorWithoutBootsHealthSupport() {
        this.runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("pipcHealthContributor"));
    }

    @Test
    void noContributorWhenTurnedOff() {
        this.runner.withPropertyValues("management.health.pipc.enabled=false")
                .run((context) -> assertThat(context).doesNotHaveBean("pipcHealthContributor"));
    }

    @Test
    void noContributorWithoutEntries() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class,
                PipcHealthContributorAutoConfiguration.class))
                .run((context) -> assertThat(context).doesNotHaveBean("pipcHealthContributor"));
    }

    private static Health pipeHealth(HealthContributor pipc, String name) {
        HealthContributor pipes = ((CompositeHealthContributor) pipc).getContributor("pipes");
        return ((HealthIndicator) ((CompositeHealthContributor) pipes).getContributor(name)).health();
    }
}
