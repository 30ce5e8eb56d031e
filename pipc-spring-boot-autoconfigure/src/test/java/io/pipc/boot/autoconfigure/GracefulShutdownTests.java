package io.pipc.boot.autoconfigure;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.ServiceActivator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Shutting down with messages in flight: 10,000 messages are written while the flow is held
 * on the first one, then the application closes. Every message written is handled before the
 * pipe closes, and a write after the close fails at the sender, so that nothing is lost.
 */
@Timeout(60)
class GracefulShutdownTests {

    @Test
    void tenThousandMessagesInFlightAtShutdownAreAllHandled() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(FeedApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "pipc.pipes.feed.transport=in-process",
                        "pipc.pipes.feed.codec=string", "pipc.pipes.feed.inbound-channel=feedIn",
                        "pipc.pipes.feed.queue-capacity.messages=20000", "pipc.pipes.feed.shutdown-grace-period=30s")
                .run();
        FeedApplication feed = context.getBean(FeedApplication.class);
        Pipe sender = context.getBean(PipeRegistry.class).inProcessPeer("feed");
        for (int i = 0; i < 10_000; i++) {
            sender.write("m" + i);
        }
        assertThat(feed.firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(context.getBean("feedPipe", Pipe.class).size()).as("still queued when the shutdown begins")
                .isGreaterThan(0);

        context.close();

        assertThat(feed.handled).hasSize(10_000);
        assertThatExceptionOfType(PipeException.class).isThrownBy(() -> sender.write("after the close"));
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class FeedApplication {

        final Set<String> handled = ConcurrentHashMap.newKeySet();

        final CountDownLatch firstArrived = new CountDownLatch(1);

        private final CountDownLatch closing = new CountDownLatch(1);

        /** Holds the first message until the shutdown has begun, so that the rest are still queued. */
        @ServiceActivator(inputChannel = "feedIn")
        void handle(String message) throws InterruptedException {
            if (this.firstArrived.getCount() > 0) {
                this.firstArrived.countDown();
                this.closing.await(20, TimeUnit.SECONDS);
            }
            this.handled.add(message);
        }

        @EventListener
        void closing(ContextClosedEvent event) {
            this.closing.countDown();
        }
    }
}
