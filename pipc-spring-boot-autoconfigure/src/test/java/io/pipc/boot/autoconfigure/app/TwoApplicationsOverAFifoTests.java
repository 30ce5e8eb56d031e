package io.pipc.boot.autoconfigure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.integration.annotation.IntegrationComponentScan;
import org.springframework.integration.annotation.MessagingGateway;
import org.springframework.integration.annotation.ServiceActivator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two applications, each declaring the same FIFO rendezvous with {@code gateway: true}, ask
 * each other over the one pipe: each side's requests are answered by the other side's
 * {@code @ServiceActivator}, and each side's replies reach the {@code @MessagingGateway} that
 * asked. Both contexts start at once, as a rendezvous waits for its peer.
 *
 * <p>The FIFO meets through {@link PairPipeFactory}, a test double of the transport; to be
 * re-pointed at real FIFOs (two contexts, no factory bean) once {@code Pipes.named} exists.
 */
@Timeout(60)
class TwoApplicationsOverAFifoTests {

    private final PairPipeFactory factory = new PairPipeFactory();

    @Test
    void eachApplicationAnswersTheOthersRequests() throws Exception {
        CompletableFuture<ConfigurableApplicationContext> left = CompletableFuture.supplyAsync(() -> start("left"));
        CompletableFuture<ConfigurableApplicationContext> right = CompletableFuture.supplyAsync(() -> start("right"));
        try (ConfigurableApplicationContext leftContext = left.get(30, TimeUnit.SECONDS);
                ConfigurableApplicationContext rightContext = right.get(30, TimeUnit.SECONDS)) {
            Ask leftAsks = leftContext.getBean(Ask.class);
            Ask rightAsks = rightContext.getBean(Ask.class);

            assertThat(leftAsks.ask("hello")).isEqualTo("right heard hello");
            assertThat(rightAsks.ask("hi")).isEqualTo("left heard hi");
        }
    }

    private ConfigurableApplicationContext start(String side) {
        return new SpringApplicationBuilder(PeerApplication.class)
                .web(WebApplicationType.NONE)
                .properties("side=" + side, "spring.main.banner-mode=off", "pipc.pipes.link.transport=fifo",
                        "pipc.pipes.link.name=two-apps", "pipc.pipes.link.codec=string", "pipc.pipes.link.gateway=true",
                        "pipc.pipes.link.inbound-channel=fromPeer", "pipc.pipes.link.outbound-channel=toPeer",
                        "pipc.pipes.link.connect-timeout=20s")
                .initializers((context) -> context.getBeanFactory().registerSingleton("pipeFactory", this.factory))
                .run();
    }

    @MessagingGateway(defaultRequestChannel = "toPeer")
    interface Ask {

        String ask(String question);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @IntegrationComponentScan(basePackageClasses = Ask.class)
    static class PeerApplication {

        @Value("${side}")
        private String side;

        @ServiceActivator(inputChannel = "fromPeer")
        String answer(String question) {
            return this.side + " heard " + question;
        }
    }
}
