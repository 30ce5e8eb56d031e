package io.pipc.boot.autoconfigure;

import java.time.Duration;

import io.micrometer.observation.tck.TestObservationRegistry;
import io.pipc.integration.observation.DefaultPipcReceiveObservationConvention;
import io.pipc.integration.observation.PipcReceiveObservationConvention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configured endpoints are observed in the application's {@code ObservationRegistry}, with
 * the observation conventions it declares as beans.
 */
@Timeout(30)
class PipcObservationConfigurationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
            .withPropertyValues("pipc.pipes.client.transport=in-process", "pipc.pipes.client.name=link",
                    "pipc.pipes.client.outbound-channel=toService", "pipc.pipes.service.transport=in-process",
                    "pipc.pipes.service.name=link", "pipc.pipes.service.inbound-channel=fromClient")
            .withBean("fromClient", QueueChannel.class);

    @Test
    void configuredEndpointsAreObservedInTheApplicationsRegistry() {
        this.runner.withBean(TestObservationRegistry.class, () -> this.registry).run((context) -> {
            context.getBean("toService", MessageChannel.class).send(MessageBuilder.withPayload("hello").build());

            assertThat(context.getBean("fromClient", QueueChannel.class).receive(WAIT.toMillis())).isNotNull();
            assertThat(this.registry).hasObservationWithNameEqualTo("pipc.message.send").that()
                    .hasLowCardinalityKeyValue("pipc.name", "client")
                    .hasLowCardinalityKeyValue("pipc.transport", "in-process")
                    .hasLowCardinalityKeyValue("pipc.role", "pipe");
            assertThat(this.registry).hasObservationWithNameEqualTo("pipc.message.receive").that()
                    .hasLowCardinalityKeyValue("pipc.name", "service");
        });
    }

    @Test
    void conventionBeanReplacesTheDefault() {
        PipcReceiveObservationConvention renamed = new DefaultPipcReceiveObservationConvention() {

            @Override
            public String getName() {
                return "orders.received";
            }
        };
        this.runner.withBean(TestObservationRegistry.class, () -> this.registry)
                .withBean(PipcReceiveObservationConvention.class, () -> renamed).run((context) -> {
                    context.getBean("toService", MessageChannel.class).send(MessageBuilder.withPayload("hello").build());

                    assertThat(context.getBean("fromClient", QueueChannel.class).receive(WAIT.toMillis())).isNotNull();
                    assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("pipc.message.receive", 0)
                            .hasObservationWithNameEqualTo("orders.received").that()
                            .hasLowCardinalityKeyValue("pipc.name", "service");
                });
    }

    @Test
    void withoutARegistryBeanMessagesFlowUnobserved() {
        this.runner.run((context) -> {
            context.getBean("toService", MessageChannel.class).send(MessageBuilder.withPayload("hello").build());

            assertThat(context.getBean("fromClient", QueueChannel.class).receive(WAIT.toMillis())).isNotNull();
            assertThat(this.registry).doesNotHaveAnyObservation();
        });
    }
}
