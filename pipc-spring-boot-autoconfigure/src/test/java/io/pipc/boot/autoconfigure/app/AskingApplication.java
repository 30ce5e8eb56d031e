package io.pipc.boot.autoconfigure.app;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.integration.dsl.IntegrationFlow;

/**
 * One of two applications that ask each other over one pipe {@code link} with
 * {@code gateway: true}: requests from the peer arrive on {@code fromPeer} and are answered by
 * the {@code @ServiceActivator}; {@link Ask} sends requests to the peer through {@code toPeer}.
 * The property {@code side} names the application in its answers.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class AskingApplication {

    /** The properties both sides share, after the transport's own. */
    static final String[] LINK = { "pipc.pipes.link.codec=string", "pipc.pipes.link.gateway=true",
            "pipc.pipes.link.inbound-channel=fromPeer", "pipc.pipes.link.outbound-channel=toPeer",
            "pipc.pipes.link.connect-timeout=30s" };

    @Value("${side}")
    private String side;

    /**
     * @param properties the side and the pipe's transport properties
     * @return the running application; its start returns once the pipe has met its peer
     */
    static ConfigurableApplicationContext start(String... properties) {
        return builder(properties).run();
    }

    /**
     * Starts the application on another thread, next to the test's own, which its start waits
     * for; returns once its logging is set up, so that the test's context, started next, does not
     * reset Logback at the same time (Logback's reset is not safe against a concurrent one).
     *
     * @param properties the side and the pipe's transport properties
     * @return the application, complete once its pipe has met its peer
     * @throws InterruptedException when interrupted while waiting for its logging
     */
    static CompletableFuture<ConfigurableApplicationContext> startAlongside(String... properties) throws InterruptedException {
        CountDownLatch prepared = new CountDownLatch(1);
        CompletableFuture<ConfigurableApplicationContext> started = CompletableFuture.supplyAsync(() -> builder(properties)
                .listeners((ApplicationListener<ApplicationPreparedEvent>) event -> prepared.countDown())
                .run());
        started.whenComplete((context, failure) -> prepared.countDown());
        if (!prepared.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the other application did not get as far as its context within 30 s");
        }
        return started;
    }

    private static SpringApplicationBuilder builder(String... properties) {
        return new SpringApplicationBuilder(AskingApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off")
                .properties(LINK)
                .properties(properties);
    }

    /** The gateway as a flow rather than a scanned {@code @MessagingGateway}, so that no other test application finds it. */
    @Bean
    IntegrationFlow asking() {
        return IntegrationFlow.from(Ask.class).channel("toPeer").get();
    }

    @ServiceActivator(inputChannel = "fromPeer")
    String answer(String question) {
        return this.side + " heard " + question;
    }

    /** Requests to the peer. */
    public interface Ask {

        /**
         * @param question the request
         * @return the peer's answer
         */
        String ask(String question);
    }
}
