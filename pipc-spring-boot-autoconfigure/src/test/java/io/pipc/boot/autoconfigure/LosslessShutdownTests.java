package io.pipc.boot.autoconfigure;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.ServiceActivator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Stopping an application while a sender keeps writing to it loses nothing: every message the
 * sender wrote successfully is handled, in order, and every other write threw at the sender.
 * The flow is held on the first message until the shutdown begins, so that at least 10,000
 * messages are in flight (queued on the way) when it does. The Python wire, which cannot ask
 * the sender to stop, hands over what is queued and closes.
 */
@Timeout(90)
class LosslessShutdownTests {

    private static final int IN_FLIGHT = 10_000;

    @Test
    void serverHandlesEveryMessageItsClientWroteWhileTheApplicationStops() throws Exception {
        ConfigurableApplicationContext application = start("pipc.servers.feed.transport=tcp",
                "pipc.servers.feed.port=0", "pipc.servers.feed.codec=string", "pipc.servers.feed.inbound-channel=feedIn",
                "pipc.servers.feed.queue-capacity.messages=20000", "pipc.servers.feed.shutdown-grace-period=40s");
        SocketAddress address = application.getBean("feedPipeServer", PipeServer.class).address();
        try (Pipe client = Pipes.connect(address)) {
            assertNothingLost(application, client);
        }
    }

    @Test
    void inProcessPipeHandlesEveryMessageItsPeerWroteWhileTheApplicationStops() throws Exception {
        ConfigurableApplicationContext application = start("pipc.pipes.feed.transport=in-process",
                "pipc.pipes.feed.codec=string", "pipc.pipes.feed.inbound-channel=feedIn",
                "pipc.pipes.feed.queue-capacity.messages=20000", "pipc.pipes.feed.shutdown-grace-period=40s");
        assertNothingLost(application, application.getBean(PipeRegistry.class).inProcessPeer("feed"));
    }

    /**
     * The Python wire cannot ask a client to stop sending, so a drain cannot wait for the end of
     * its input: it hands over what is queued and closes, without waiting out the grace period.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void pythonWireServerClosesItsClientsOnceNothingIsQueued(CapturedOutput output) {
        ConfigurableApplicationContext application = start("feed.hold=false", "pipc.servers.feed.transport=tcp",
                "pipc.servers.feed.port=0", "pipc.servers.feed.wire=python", "pipc.servers.feed.codec=string",
                "pipc.servers.feed.inbound-channel=feedIn", "pipc.servers.feed.shutdown-grace-period=40s");
        FeedApplication feed = application.getBean(FeedApplication.class);
        SocketAddress address = application.getBean("feedPipeServer", PipeServer.class).address();
        try (Pipe client = Pipes.connect(address, PipeOptions.builder().wire(Wire.PYTHON).build())) {
            for (int i = 0; i < 100; i++) {
                client.write("m" + i);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> feed.handled().size() == 100);

            application.close();

            assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> client.read(Duration.ofSeconds(20)));
            assertThat(output).doesNotContain("grace period");
        }
    }

    private static ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(FeedApplication.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "spring.lifecycle.timeout-per-shutdown-phase=60s")
                .properties(properties)
                .run();
    }

    private static void assertNothingLost(ConfigurableApplicationContext application, Pipe sender) throws Exception {
        FeedApplication feed = application.getBean(FeedApplication.class);
        Sender writing = new Sender(sender);
        writing.start();
        assertThat(feed.firstArrived.await(20, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> writing.written.get() >= IN_FLIGHT);
        assertThat(feed.handled()).as("handled before the shutdown began").isEmpty();

        application.close();

        PipeException refused = writing.stopped.get(30, TimeUnit.SECONDS);
        assertThat(refused).as("the write that the stopping application refused").isInstanceOf(PeerClosedException.class);
        int written = writing.written.get();
        assertThat(written).isGreaterThanOrEqualTo(IN_FLIGHT);
        List<String> handled = feed.handled();
        assertThat(handled).as("handled, of %d written", written).hasSize(written);
        for (int i = 0; i < written; i++) {
            assertThat(handled.get(i)).isEqualTo("m" + i);
        }
    }

    /** Writes m0, m1, ... until a write throws, counting the writes that returned. */
    private static final class Sender extends Thread {

        final AtomicInteger written = new AtomicInteger();

        final CompletableFuture<PipeException> stopped = new CompletableFuture<>();

        private final Pipe pipe;

        Sender(Pipe pipe) {
            super("sender");
            this.pipe = pipe;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    this.pipe.write("m" + this.written.get());
                    this.written.incrementAndGet();
                }
            }
            catch (PipeException ex) {
                this.stopped.complete(ex);
            }
            catch (RuntimeException ex) {
                this.stopped.completeExceptionally(ex);
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class FeedApplication {

        final CountDownLatch firstArrived = new CountDownLatch(1);

        @Value("${feed.hold:true}")
        private boolean hold;

        private final CountDownLatch closing = new CountDownLatch(1);

        private final List<String> handled = new ArrayList<>();

        /** Holds the first message until the shutdown has begun, so that the rest are in flight; unless feed.hold=false. */
        @ServiceActivator(inputChannel = "feedIn")
        void handle(String message) throws InterruptedException {
            if (this.firstArrived.getCount() > 0) {
                this.firstArrived.countDown();
                if (this.hold) {
                    this.closing.await(60, TimeUnit.SECONDS);
                }
            }
            synchronized (this.handled) {
                this.handled.add(message);
            }
        }

        List<String> handled() {
            synchronized (this.handled) {
                return new ArrayList<>(this.handled);
            }
        }

        @EventListener
        void closing(ContextClosedEvent event) {
            this.closing.countDown();
        }
    }
}
