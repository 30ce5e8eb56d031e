package io.pipc.boot.autoconfigure;

import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.health.PipcHealthContributorAutoConfiguration;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.event.PipeReconnectedEvent;
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
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.messaging.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * An application with a FIFO pipe whose peer is not there: with {@code reconnect} (the default)
 * it starts, its health says connecting until the peer comes, and a write waits for the peer;
 * with {@code reconnect: false} the pipe is what it was before pipes healed. A Unix socket pipe
 * and a TCP rendezvous, whose peer is in this JVM, open again when the peer comes back.
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
    void aUnixPipeConnectsAgainWhenItsServerDropsItAndReadsTheNextConnection() throws Exception {
        try (PipeServer server = Pipes.server(UnixDomainSocketAddress.of(this.directory.resolve("orders.sock")))) {
            this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.transport=unix",
                    "pipc.pipes.orders.path=orders.sock", "pipc.pipes.orders.inbound-channel=in")
                    .withBean("in", QueueChannel.class)
                    .run((context) -> talksAgainAfterThePeerLeft(context, () -> server.accept(WAIT)));
        }
    }

    @Test
    void aTcpRendezvousMeetsItsPeerAgainWhenThePeerComesBack() throws Exception {
        int port = RendezvousPorts.freeOnBothHosts();
        PipeOptions peerOptions = PipeOptions.builder().localAddress(InetAddress.getByName("127.0.0.2")).build();
        this.runner.withPropertyValues("pipc.pipes.orders.transport=tcp", "pipc.pipes.orders.host=127.0.0.2",
                "pipc.pipes.orders.local-address=127.0.0.1", "pipc.pipes.orders.port=" + port,
                "pipc.pipes.orders.connect-timeout=5s", "pipc.pipes.orders.inbound-channel=in")
                .withBean("in", QueueChannel.class)
                .run((context) -> talksAgainAfterThePeerLeft(context, () -> await().atMost(WAIT)
                        .ignoreExceptionsInstanceOf(PipeException.class)
                        .until(() -> Pipes.remote("127.0.0.1", port, peerOptions), (pipe) -> pipe != null)));
    }

    /** The peer comes, talks, leaves, comes again (a new connection) and talks again. */
    private static void talksAgainAfterThePeerLeft(ConfigurableApplicationContext context, Callable<Pipe> peerComes)
            throws Exception {
        SharedPipe orders = context.getBean("ordersPipe", SharedPipe.class);
        QueueChannel in = context.getBean("in", QueueChannel.class);
        List<PipeReconnectedEvent> reconnections = new CopyOnWriteArrayList<>();
        context.addApplicationListener((ApplicationListener<PipeReconnectedEvent>) reconnections::add);
        try (Pipe first = peerComes.call()) {
            first.write("first");
            assertThat(in.receive(WAIT.toMillis())).extracting(Message::getPayload).isEqualTo("first");
        }
        try (Pipe second = peerComes.call()) {
            await().atMost(WAIT).until(() -> reconnections.size() == 1);
            second.write("second");
            assertThat(in.receive(WAIT.toMillis())).extracting(Message::getPayload).isEqualTo("second");
            orders.write("back");
            assertThat(second.readString(WAIT)).isEqualTo("back");
            assertThat(context.getBean("ordersPipe")).isSameAs(orders);
        }
    }

    @Test
    void withoutReconnectThePipeWhosePeerLeftStaysDown() throws Exception {
        CompletableFuture<Pipe> peer = CompletableFuture
                .supplyAsync(() -> Pipes.named("orders", PipeOptions.builder().directory(this.directory).build()));
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.reconnect=false",
                "pipc.pipes.orders.connect-timeout=20s", "pipc.pipes.orders.inbound-channel=in")
                .withBean("in", QueueChannel.class)
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
