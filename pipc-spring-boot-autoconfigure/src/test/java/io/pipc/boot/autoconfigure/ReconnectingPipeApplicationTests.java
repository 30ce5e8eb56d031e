package io.pipc.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.health.PipcHealthContributorAutoConfiguration;
import io.pipc.integration.SharedPipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * An application with a FIFO pipe whose peer is not there: with {@code reconnect} (the default)
 * it starts, its health says connecting until the peer comes, and a write waits for the peer;
 * with {@code reconnect: false} the pipe is what it was before pipes healed.
 */
@Timeout(60)
class ReconnectingPipeApplicationTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path directory;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class,
                    PipcHealthContributorAutoConfiguration.class))
            .withPropertyValues("pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.codec=string",
                    "pipc.pipes.orders.connect-timeout=500ms", "pipc.pipes.orders.backoff.initial-interval=10ms",
                    "pipc.pipes.orders.backoff.max-interval=50ms");

    @Test
    void startsWithoutItsPeerAndIsOutOfServiceConnectingUntilThePeerComes() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory).run((context) -> {
            assertThat(context).hasNotFailed();
            await().atMost(WAIT).until(() -> ordersHealth(context).getDetails().containsKey("lastFailure"));
            Health waiting = ordersHealth(context);
            assertThat(waiting.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(waiting.getDetails()).containsEntry("state", "connecting").containsEntry("peer", "fifo 'orders'")
                    .containsKey("attempts");
            assertThat(String.valueOf(waiting.getDetails().get("lastFailure"))).contains("no peer arrived");

            try (Pipe peer = peer()) {
                await().atMost(WAIT).until(() -> ordersHealth(context).getStatus().equals(Status.UP));
                context.getBean("ordersPipe", Pipe.class).write("hello");
                assertThat(peer.readString(WAIT)).isEqualTo("hello");
            }
        });
    }

    @Test
    void aWriteWhileThePeerIsAbsentWaitsForItAndGoesThroughWhenItComes() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.write-timeout=30s")
                .run((context) -> {
                    CompletableFuture<Void> write = CompletableFuture
                            .runAsync(() -> context.getBean("ordersPipe", Pipe.class).write("early"));
                    try (Pipe peer = peer()) {
                        assertThat(peer.readString(WAIT)).isEqualTo("early");
                        write.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    }
                });
    }

    @Test
    void aWriteWhileThePeerIsAbsentTimesOutSayingThePipeWaitsForItsPeer() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.write-timeout=100ms")
                .run((context) -> assertThatExceptionOfType(PipeTimeoutException.class)
                        .isThrownBy(() -> context.getBean("ordersPipe", Pipe.class).write("anyone?"))
                        .withMessageStartingWith("pipe 'orders' is waiting for its peer (fifo 'orders'): nothing was"
                                + " written within 100ms (write-timeout); it is connecting (attempt "));
    }

    @Test
    void withoutReconnectThePipeWhosePeerLeftStaysDown() throws Exception {
        CompletableFuture<Pipe> peer = CompletableFuture
                .supplyAsync(() -> Pipes.named("orders", PipeOptions.builder().directory(this.directory).build()));
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.reconnect=false",
                "pipc.pipes.orders.connect-timeout=20s", "pipc.pipes.orders.inbound-channel=in")
                .withBean("in", org.springframework.integration.channel.QueueChannel.class)
                .run((context) -> {
                    SharedPipe orders = context.getBean("ordersPipe", SharedPipe.class);
                    assertThat(orders.state()).as("opened before the start ended").isEqualTo(SharedPipe.State.OPEN);

                    peer.get(WAIT.toSeconds(), TimeUnit.SECONDS).close();

                    await().atMost(WAIT).until(() -> ordersHealth(context).getStatus().equals(Status.DOWN));
                    assertThat(orders.state()).isEqualTo(SharedPipe.State.CLOSED);
                    assertThat(orders.attempts()).as("no attempt to open it again").isZero();
                    assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> orders.write("anyone?"));
                    assertThat(orders.state()).isEqualTo(SharedPipe.State.CLOSED);
                });
    }

    /**
     * An attempt of the application that runs out of its connect-timeout while the rendezvous is
     * half done closes it, and the peer then sees the connection end: it tries again, as the
     * application does.
     */
    private Pipe peer() {
        return await().atMost(WAIT).ignoreExceptionsInstanceOf(PipeException.class)
                .until(() -> Pipes.named("orders", PipeOptions.builder().directory(this.directory).build()),
                        (pipe) -> pipe != null);
    }

    private static Health ordersHealth(ApplicationContext context) {
        HealthContributor pipc = context.getBean("pipcHealthContributor", HealthContributor.class);
        HealthContributor pipes = ((CompositeHealthContributor) pipc).getContributor("pipes");
        return ((HealthIndicator) ((CompositeHealthContributor) pipes).getContributor("orders")).health();
    }
}
