package io.pipc.integration;

import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionFailedEvent;
import io.pipc.integration.event.PipeConnectionOpenedEvent;
import io.pipc.integration.event.PipeEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.messaging.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class ServerConnectionsTests {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);


    private static final Duration WAIT = Duration.ofSeconds(10);

    private final SharedPipeServer server = new SharedPipeServer("test", Transport.TCP);

    private final ServerConnections connections = new ServerConnections(this.server);

    {
        // Opened the way the starter opens its servers: the connections take the clients' messages from the loops.
        this.server.attach(Pipes.server(LOOPBACK, PipeOptions.builder().messageSink(this.server.messageSink()).build()));
    }

    private final List<PipeEvent> events = new CopyOnWriteArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class)
            .withBean(ServerConnections.class, () -> this.connections)
            .withBean("events", ApplicationListener.class, () -> (ApplicationListener<PipeEvent>) this.events::add)
            .withBean("in", QueueChannel.class)
            .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.connections);
                adapter.setOutputChannelName("in");
                return adapter;
            });

    @Test
    void eachClientsMessagesCarryItsOwnConnectionId() {
        this.runner.run((context) -> {
            Pipe first = Pipes.connect(this.server.address());
            Pipe second = Pipes.connect(this.server.address());
            first.write("from first");
            Message<?> one = context.getBean("in", QueueChannel.class).receive(WAIT.toMillis());
            second.write("from second");
            Message<?> two = context.getBean("in", QueueChannel.class).receive(WAIT.toMillis());

            assertThat(one.getHeaders().get(PipcHeaders.CONNECTION_ID)).isNotNull()
                    .isNotEqualTo(two.getHeaders().get(PipcHeaders.CONNECTION_ID));
            assertThat(one.getHeaders()).containsEntry(PipcHeaders.PIPE_NAME, this.connections.getServer().name())
                    .containsEntry(PipcHeaders.TRANSPORT, "tcp");
        });
    }

    @Test
    void anInboundAdapterGetsEachClientsMessagesInTheOrderSentWhileHandlerThreadsAreMany() {
        this.connections.setHandlerThreads(16);
        this.runner.run((context) -> {
            Pipe client = Pipes.connect(this.server.address());
            for (int i = 0; i < 300; i++) {
                client.write("m" + i);
            }
            QueueChannel in = context.getBean("in", QueueChannel.class);
            List<String> received = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                received.add(new String((byte[]) in.receive(WAIT.toMillis()).getPayload(), StandardCharsets.UTF_8));
            }
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                sent.add("m" + i);
            }
            assertThat(received).isEqualTo(sent);
        });
    }

    @Test
    void aClientWhoseMessageIsBeingHandledWaitsAloneWhileTheOthersGoOn() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<String> handled = new LinkedBlockingQueue<>();
        new ApplicationContextRunner().withUserConfiguration(IntegrationConfiguration.class)
                .withBean(ServerConnections.class, () -> this.connections)
                .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                    PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.connections);
                    adapter.setOutputChannelName("in");
                    return adapter;
                })
                .withBean("in", DirectChannel.class, () -> {
            DirectChannel channel = new DirectChannel();
            channel.subscribe((message) -> {
                String text = new String((byte[]) message.getPayload(), StandardCharsets.UTF_8);
                if (text.equals("held")) {
                    awaitQuietly(release);
                }
                handled.add(text);
            });
            return channel;
        }).run((context) -> {
            Pipe slow = Pipes.connect(this.server.address());
            Pipe other = Pipes.connect(this.server.address());
            slow.write("held");
            slow.write("after held");
            await().atMost(WAIT).until(() -> this.connections.getConnectionIds().size() == 2);

            other.write("other");
            assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("other");
            assertThat(handled).as("the slow client's next message waits for its first").isEmpty();

            release.countDown();
            assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("held");
            assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("after held");
        });
    }

    @Test
    void clientsOfAServerOpenedWithTheDispatcherAreReadByTheEventLoopsNotAThreadEach() {
        this.runner.run((context) -> {
            QueueChannel in = context.getBean("in", QueueChannel.class);
            for (int i = 0; i < 3; i++) {
                Pipes.connect(this.server.address()).write("client " + i);
                assertThat(in.receive(WAIT.toMillis())).isNotNull();
            }

            assertThat(LiveThreads.names()).noneMatch((name) -> name.startsWith("pipc-server-client-"));
        });
    }

    @Test
    void clientsOfAServerOpenedWithoutTheDispatcherAreEachReadByAThreadAndKeepTheirOrder() {
        PipeServer plain = Pipes.server(LOOPBACK);
        ServerConnections plainConnections = new ServerConnections(plain);
        new ApplicationContextRunner().withUserConfiguration(IntegrationConfiguration.class)
                .withBean(ServerConnections.class, () -> plainConnections)
                .withBean("in", QueueChannel.class)
                .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                    PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(plainConnections);
                    adapter.setOutputChannelName("in");
                    return adapter;
                })
                .run((context) -> {
                    Pipe client = Pipes.connect(plain.address());
                    for (int i = 0; i < 100; i++) {
                        client.write("m" + i);
                    }
                    QueueChannel in = context.getBean("in", QueueChannel.class);
                    for (int i = 0; i < 100; i++) {
                        assertThat(new String((byte[]) in.receive(WAIT.toMillis()).getPayload(), StandardCharsets.UTF_8))
                                .isEqualTo("m" + i);
                    }
                    client.close();
                    await().atMost(WAIT).until(() -> plainConnections.getConnectionIds().isEmpty());
                });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void clientConnectingAndLeavingPublishesOpenedAndClosedEvents() {
        this.runner.run((context) -> {
            Pipe client = Pipes.connect(this.server.address());
            await().atMost(WAIT).until(() -> this.connections.getConnectionIds().size() == 1);
            String id = this.connections.getConnectionIds().iterator().next();
            client.close();

            await().atMost(WAIT).until(() -> this.events.stream().anyMatch(PipeConnectionClosedEvent.class::isInstance));
            assertThat(this.events).first().isInstanceOfSatisfying(PipeConnectionOpenedEvent.class, (opened) -> {
                assertThat(opened.getConnectionId()).isEqualTo(id);
                assertThat(opened.getTransport()).isEqualTo(Transport.TCP);
            });
            assertThat(this.events).filteredOn(PipeConnectionClosedEvent.class::isInstance).singleElement()
                    .extracting(PipeEvent::getConnectionId).isEqualTo(id);
            assertThat(this.connections.getConnectionIds()).isEmpty();
        });
    }

    @Test
    void applicationCannotAcceptClientsOfAServerItsConnectionsAccept() {
        this.runner.run((context) -> assertThatIllegalStateException()
                .isThrownBy(() -> this.connections.getServer().accept())
                .withMessageContaining("is accepted by 'connections of server")
                .withMessageContaining(PipcHeaders.CONNECTION_ID));
    }

    @Test
    void acceptingThreadIsNotADaemonWhileTheServerIsOpen() {
        this.runner.run((context) -> {
            ThreadInfo acceptor = LiveThreads.all().stream()
                    .filter((thread) -> thread.getThreadName().equals("pipc-server-" + this.connections.getServer().name()))
                    .findFirst().orElseThrow();

            assertThat(acceptor.isDaemon()).isFalse();
        });
        assertThat(LiveThreads.names()).noneMatch(
                (name) -> name.equals("pipc-server-" + this.connections.getServer().name()));
    }

    @Test
    void stopClosesTheServerAndEveryClientConnection() {
        this.runner.run((context) -> {
            Pipe client = Pipes.connect(this.server.address());
            await().atMost(WAIT).until(() -> this.connections.getConnectionIds().size() == 1);

            context.close();

            assertThat(this.server.isOpen()).isFalse();
            await().atMost(WAIT).until(() -> client.readiness().isReady());
            assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> client.read(WAIT));
            assertThat(this.events).filteredOn(PipeConnectionClosedEvent.class::isInstance).singleElement()
                    .extracting((event) -> ((PipeConnectionClosedEvent) event).getReason()).asString()
                    .contains("stopped");
        });
    }

    /**
     * Thirty clients that each send a message over the server's limit break their connections;
     * the log tells the first ten one by one and the rest as a count (here at the stop, which
     * ends the minute early), while events and metrics still see every one.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aFloodOfBrokenClientConnectionsLogsTheFirstTenAndThenACount(CapturedOutput output) {
        PipeServer strict = Pipes.server(LOOPBACK, PipeOptions.builder().maxMessageSize(1024).build());
        ServerConnections strictConnections = new ServerConnections(strict);
        new ApplicationContextRunner().withUserConfiguration(IntegrationConfiguration.class)
                .withBean(ServerConnections.class, () -> strictConnections)
                .withBean("events", ApplicationListener.class, () -> (ApplicationListener<PipeEvent>) this.events::add)
                .withBean("in", QueueChannel.class)
                .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                    PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(strictConnections);
                    adapter.setOutputChannelName("in");
                    return adapter;
                })
                .run((context) -> {
                    for (int i = 0; i < 30; i++) {
                        Pipe client = Pipes.connect(strict.address());
                        client.write(new byte[2048]);
                        await().atMost(WAIT).until(() -> client.readiness().isReady());
                        client.close();
                    }
                    await().atMost(WAIT).until(() -> this.events.stream()
                            .filter(PipeConnectionFailedEvent.class::isInstance).count() == 30);

                    assertThat(brokeLines(output)).hasSize(10);
                    assertThat(output).doesNotContain("more client connections failed");
                });

        assertThat(brokeLines(output)).hasSize(10);
        assertThat(output).contains("server '" + strictConnections.getServer().name()
                + "': 20 more client connections failed within a minute, not logged one by one; the last: server '");
    }

    private static List<String> brokeLines(CapturedOutput output) {
        return output.getAll().lines()
                .filter((line) -> line.contains("' broke: ") && !line.contains("not logged one by one")).toList();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
