package io.pipc.boot.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.integration.PipcShutdown;
import io.pipc.integration.PipeInboundChannelAdapter;
import io.pipc.integration.PipeInboundGateway;
import io.pipc.integration.PipeOutboundChannelAdapter;
import io.pipc.integration.PipeOutboundGateway;
import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.SharedPipeServer;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionOpenedEvent;
import io.pipc.integration.event.PipeEvent;
import io.pipc.integration.event.PipeServerListeningEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.channel.QueueChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

@Timeout(30)
class PipcAutoConfigurationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private final RecordingPipeFactory factory = new RecordingPipeFactory();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
            .withBean(PipeFactory.class, () -> this.factory);

    @Test
    void noEntriesRegistersNothing() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
                .withPropertyValues("pipc.directory=/tmp/ignored")
                .run((context) -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(Pipe.class)
                        .doesNotHaveBean(PipeServer.class)
                        .doesNotHaveBean(PipeRegistry.class)
                        .doesNotHaveBean(PipcProperties.class)
                        .doesNotHaveBean(PipeFactory.class)
                        .doesNotHaveBean(PipcShutdown.class));
    }

    @Test
    void pipeEntryBecomesAPipeBeanNamedAfterItsKey() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process").run((context) -> {
            assertThat(context).hasSingleBean(Pipe.class).hasBean("ordersPipe");
            Pipe orders = context.getBean("ordersPipe", Pipe.class);
            assertThat(orders.name()).isEqualTo("orders");
            assertThat(orders.transport()).isEqualTo(Transport.IN_PROCESS);
            assertThat(orders.isOpen()).isTrue();
        });
    }

    @Test
    void serverEntryBecomesAPipeServerBeanNamedAfterItsKey() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0").run((context) -> {
            assertThat(context).hasSingleBean(PipeServer.class).hasBean("apiPipeServer");
            PipeServer api = context.getBean("apiPipeServer", PipeServer.class);
            assertThat(api.isOpen()).isTrue();
            assertThat(api.address()).isInstanceOfSatisfying(InetSocketAddress.class, (address) -> {
                assertThat(address.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
                assertThat(address.getPort()).isPositive();
            });
        });
    }

    @Test
    void registryGivesEveryPipeAndServerByName() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.a.transport=in-process",
                "pipc.pipes.b.transport=fifo",
                "pipc.pipes.b.name=b-peer", "pipc.pipes.c.transport=fifo", "pipc.pipes.c.name=b-peer",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0").run((context) -> {
                    PipeRegistry registry = context.getBean(PipeRegistry.class);
                    assertThat(registry.getPipes()).containsOnlyKeys("a", "b", "c");
                    assertThat(registry.getPipe("b")).isSameAs(context.getBean("bPipe"));
                    assertThat(registry.getServers()).containsOnlyKeys("api");
                    assertThat(registry.getServer("api")).isSameAs(context.getBean("apiPipeServer"));
                });
    }

    @Test
    void applicationsOwnBeanOfTheSameNameWinsAndIsUsed() {
        Pipe own = Pipes.pair().left();
        this.runner.withPropertyValues("pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.inbound-channel=in")
                .withBean("ordersPipe", Pipe.class, () -> own)
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("ordersPipe")).isSameAs(own);
                    assertThat(context.getBean(PipeRegistry.class).getPipe("orders")).isSameAs(own);
                    assertThat(this.factory.calls()).doesNotContain("named orders");
                });
    }

    @Test
    void applicationsOwnPipeFactoryIsUsedAndTheDefaultBacksOff() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
                .withPropertyValues("pipc.pipes.orders.transport=in-process")
                .run((context) -> assertThat(context.getBean(PipeFactory.class)).isSameAs(PipeFactory.pipes()));
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process")
                .run((context) -> assertThat(context.getBean(PipeFactory.class)).isSameAs(this.factory));
    }

    @Test
    void twoInProcessEntriesWithOneNameAreTheTwoEndsOfOnePair() {
        this.runner.withPropertyValues("pipc.pipes.client.transport=in-process", "pipc.pipes.client.name=link",
                "pipc.pipes.service.transport=in-process", "pipc.pipes.service.name=link").run((context) -> {
                    Pipe client = context.getBean("clientPipe", Pipe.class);
                    Pipe service = context.getBean("servicePipe", Pipe.class);

                    client.write("across");

                    assertThat(service.readString(WAIT)).isEqualTo("across");
                });
    }

    @Test
    void inProcessEntryWithoutPartnerExposesTheOtherEndInTheRegistry() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process").run((context) -> {
            Pipe peer = context.getBean(PipeRegistry.class).inProcessPeer("orders");

            peer.write("to orders");

            assertThat(context.getBean("ordersPipe", Pipe.class).readString(WAIT)).isEqualTo("to orders");
        });
    }

    @Test
    void channelsNamedButNotDeclaredAreCreatedAsDirectChannels() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.inbound-channel=ordersIn",
                "pipc.pipes.orders.outbound-channel=ordersOut").run((context) -> {
                    assertThat(context.getBean("ordersIn")).isInstanceOf(DirectChannel.class);
                    assertThat(context.getBean("ordersOut")).isInstanceOf(DirectChannel.class);
                });
    }

    @Test
    void declaredChannelIsUsedAsItIs() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.inbound-channel=ordersIn")
                .withBean("ordersIn", QueueChannel.class)
                .run((context) -> {
                    context.getBean(PipeRegistry.class).inProcessPeer("orders").write("queued");

                    assertThat(context.getBean("ordersIn", QueueChannel.class).receive(WAIT.toMillis())).isNotNull();
                });
    }

    @Test
    void channelsChooseTheEndpointsOfAPipe() {
        this.runner.withPropertyValues("pipc.pipes.oneway.transport=in-process", "pipc.pipes.oneway.inbound-channel=a",
                "pipc.pipes.oneway.outbound-channel=b", "pipc.pipes.rpc.transport=in-process",
                "pipc.pipes.rpc.gateway=true", "pipc.pipes.rpc.inbound-channel=c", "pipc.pipes.rpc.outbound-channel=d",
                "pipc.pipes.bare.transport=in-process").run((context) -> {
                    assertThat(context).hasBean("onewayPipeInboundAdapter").hasBean("onewayPipeOutboundAdapter")
                            .hasBean("onewayPipeOutboundEndpoint").hasBean("rpcPipeInboundGateway")
                            .hasBean("rpcPipeOutboundGateway").hasBean("rpcPipeOutboundEndpoint");
                    assertThat(context.getBean("onewayPipeInboundAdapter")).isInstanceOf(PipeInboundChannelAdapter.class);
                    assertThat(context.getBean("onewayPipeOutboundAdapter")).isInstanceOf(PipeOutboundChannelAdapter.class);
                    assertThat(context.getBean("rpcPipeInboundGateway")).isInstanceOf(PipeInboundGateway.class);
                    assertThat(context.getBean("rpcPipeOutboundGateway")).isInstanceOf(PipeOutboundGateway.class);
                    assertThat(context.getBeanNamesForType(PipeInboundChannelAdapter.class))
                            .containsExactly("onewayPipeInboundAdapter");
                    assertThat(((SharedPipe) context.getBean("barePipe")).readOwner()).isNull();
                });
    }

    @Test
    void anOutboundGatewaySpinsForItsReplyAsItsPipeSays() {
        this.runner.withPropertyValues("pipc.pipes.rpc.transport=in-process", "pipc.pipes.rpc.gateway=true",
                "pipc.pipes.rpc.outbound-channel=d", "pipc.pipes.quiet.transport=in-process",
                "pipc.pipes.quiet.gateway=true", "pipc.pipes.quiet.outbound-channel=e",
                "pipc.pipes.quiet.reply-spin=0").run((context) -> {
                    assertThat(context.getBean("rpcPipeOutboundGateway", PipeOutboundGateway.class).getReplySpin())
                            .isEqualTo(PipeOutboundGateway.DEFAULT_REPLY_SPIN);
                    assertThat(context.getBean("quietPipeOutboundGateway", PipeOutboundGateway.class).getReplySpin())
                            .isZero();
                });
    }

    @Test
    void channelsChooseTheEndpointsOfAServer() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=apiIn",
                "pipc.servers.api.outbound-channel=apiOut", "pipc.servers.events.transport=unix",
                "pipc.directory=" + this.directory, "pipc.servers.events.inbound-channel=eventsIn",
                "pipc.servers.bare.transport=tcp", "pipc.servers.bare.port=0").run((context) -> {
                    assertThat(context.getBean("apiPipeServerConnections")).isInstanceOf(ServerConnections.class);
                    assertThat(context.getBean("apiPipeServerInboundGateway")).isInstanceOf(PipeInboundGateway.class);
                    assertThat(context.getBean("apiPipeServerOutboundAdapter")).isInstanceOf(PipeOutboundChannelAdapter.class);
                    assertThat(context.getBean("eventsPipeServerInboundAdapter")).isInstanceOf(PipeInboundChannelAdapter.class);
                    assertThat(context).doesNotHaveBean("barePipeServerConnections");
                    assertThatExceptionOfType(PipeTimeoutException.class)
                            .isThrownBy(() -> context.getBean("barePipeServer", PipeServer.class).accept(Duration.ZERO));
                });
    }

    @Test
    void gatewayAndShutdownPropertiesReachTheServersEndpoints() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=apiIn",
                "pipc.servers.api.max-in-flight=7", "pipc.servers.api.handler-threads=3",
                "pipc.servers.api.reply-timeout=4s", "pipc.servers.api.shutdown-grace-period=6s").run((context) -> {
                    PipeInboundGateway gateway = context.getBean("apiPipeServerInboundGateway", PipeInboundGateway.class);
                    assertThat(gateway.getMaxInFlight()).isEqualTo(7);
                    assertThat(gateway.getReplyTimeout()).isEqualTo(Duration.ofSeconds(4));
                    ServerConnections connections = context.getBean("apiPipeServerConnections", ServerConnections.class);
                    assertThat(connections.getHandlerThreads()).isEqualTo(3);
                    assertThat(connections.getShutdownGracePeriod()).isEqualTo(Duration.ofSeconds(6));
                });
    }

    @Test
    void gatewayAndShutdownPropertiesReachThePipesEndpoints() {
        this.runner.withPropertyValues("pipc.pipes.rpc.transport=in-process", "pipc.pipes.rpc.gateway=true",
                "pipc.pipes.rpc.inbound-channel=rpcIn", "pipc.pipes.rpc.outbound-channel=rpcOut",
                "pipc.pipes.rpc.max-in-flight=2", "pipc.pipes.rpc.reply-timeout=3s",
                "pipc.pipes.rpc.shutdown-grace-period=5s", "pipc.pipes.feed.transport=in-process",
                "pipc.pipes.feed.inbound-channel=feedIn", "pipc.pipes.feed.shutdown-grace-period=7s")
                .run((context) -> {
                    PipeInboundGateway inbound = context.getBean("rpcPipeInboundGateway", PipeInboundGateway.class);
                    assertThat(inbound.getMaxInFlight()).isEqualTo(2);
                    assertThat(inbound.getReplyTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(inbound.getShutdownGracePeriod()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(context.getBean("rpcPipeOutboundGateway", PipeOutboundGateway.class).getReplyTimeout())
                            .isEqualTo(Duration.ofSeconds(3));
                    assertThat(context.getBean("feedPipeInboundAdapter", PipeInboundChannelAdapter.class)
                            .getShutdownGracePeriod()).isEqualTo(Duration.ofSeconds(7));
                });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void gracePeriodLongerThanAShutdownPhaseIsWarnedOf(CapturedOutput output) {
        this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=5s",
                "pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.shutdown-grace-period=20s",
                "pipc.pipes.fits.transport=in-process", "pipc.pipes.fits.shutdown-grace-period=5s")
                .run((context) -> assertThat(output).contains("WARN")
                        .contains("pipc.pipes.orders.shutdown-grace-period (20s) exceeds"
                                + " spring.lifecycle.timeout-per-shutdown-phase (5s)")
                        .doesNotContain("pipc.pipes.fits.shutdown-grace-period"));
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void serverAndPipeGracePeriodsThatTogetherExceedAShutdownPhaseAreWarnedOf(CapturedOutput output) {
        this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=10s",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.inbound-channel=apiIn",
                "pipc.servers.api.shutdown-grace-period=6s", "pipc.pipes.feed.transport=in-process",
                "pipc.pipes.feed.inbound-channel=feedIn", "pipc.pipes.feed.shutdown-grace-period=5s")
                .run((context) -> {
                    assertThat(context).hasSingleBean(PipcShutdown.class);
                    assertThat(output).contains("pipc.servers.api.shutdown-grace-period (6s) and then"
                            + " pipc.pipes.feed.shutdown-grace-period (5s) together exceed"
                            + " spring.lifecycle.timeout-per-shutdown-phase (10s)");
                });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void gracePeriodWithinBootsDefaultShutdownPhaseIsNotWarnedOf(CapturedOutput output) {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.shutdown-grace-period=30s")
                .run((context) -> assertThat(output).doesNotContain("shutdown-grace-period"));
    }

    @Test
    void applicationReadOfAPipeWithAnInboundChannelFailsNamingTheAdapterWhileWritesWork() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.inbound-channel=in")
                .withBean("in", QueueChannel.class)
                .run((context) -> {
                    Pipe orders = context.getBean("ordersPipe", Pipe.class);

                    assertThatIllegalStateException().isThrownBy(orders::read)
                            .withMessageContaining("pipe 'orders' is read by 'ordersPipeInboundAdapter'");
                    orders.write("still writable");
                    assertThat(context.getBean(PipeRegistry.class).inProcessPeer("orders").readString(WAIT))
                            .isEqualTo("still writable");
                });
    }

    @Test
    void pipesOpenWhenTheContextStartsNotWhenTheirBeansAreMade() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.inbound-channel=in")
                .withUserConfiguration(OpeningObserver.class)
                .run((context) -> {
                    OpeningObserver observer = context.getBean(OpeningObserver.class);
                    assertThat(observer.openWhenMade).isFalse();
                    assertThat(observer.openWhenEndpointsStart).isTrue();
                });
    }

    @Test
    void serverListensBeforeTheEndpointsStart() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.inbound-channel=in")
                .withUserConfiguration(ListeningObserver.class)
                .run((context) -> assertThat(context.getBean(ListeningObserver.class).listeningWhenEndpointsStart).isTrue());
    }

    @Test
    void pipeThatDoesNotReconnectAndCannotOpenFailsTheStartNamingTheEntry() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.reconnect=false", "pipc.pipes.orders.connect-timeout=50ms")
                .run((context) -> assertThat(context).hasFailed().getFailure().cause()
                        .hasMessageContaining("pipe 'orders' (pipc.pipes.orders, fifo 'orders') could not open")
                        .hasRootCauseInstanceOf(PipeTimeoutException.class));
    }

    @Test
    void serverThatCannotListenFailsTheStartNamingTheEntry() throws IOException {
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            this.runner.withPropertyValues("pipc.servers.one.transport=tcp", "pipc.servers.one.port=" + port)
                    .run((context) -> assertThat(context).hasFailed().getFailure().cause()
                            .hasMessageContaining("server 'one' (pipc.servers.one) could not listen on /127.0.0.1:" + port));
        }
    }

    @Test
    void pipesAndServersCloseWhenTheContextCloses() {
        Pipe[] pipe = new Pipe[1];
        PipeServer[] server = new PipeServer[1];
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=0").run((context) -> {
                    pipe[0] = context.getBean("ordersPipe", Pipe.class);
                    server[0] = context.getBean("apiPipeServer", PipeServer.class);
                    assertThat(pipe[0].isOpen()).isTrue();
                });
        assertThat(pipe[0].isOpen()).isFalse();
        assertThat(server[0].isOpen()).isFalse();
    }

    @Test
    void eventsTellThatPipesOpenedAndServersListenWithTheRealPort() {
        List<PipeEvent> events = new CopyOnWriteArrayList<>();
        this.runner.withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=0")
                .withBean("listener", ApplicationListener.class, () -> (ApplicationListener<PipeEvent>) events::add)
                .run((context) -> {
                    assertThat(events).filteredOn(PipeConnectionOpenedEvent.class::isInstance).singleElement()
                            .extracting(PipeEvent::getPipeName).isEqualTo("orders");
                    assertThat(events).filteredOn(PipeServerListeningEvent.class::isInstance).singleElement()
                            .satisfies((event) -> {
                                assertThat(event.getPipeName()).isEqualTo("api");
                                InetSocketAddress address = (InetSocketAddress) ((PipeServerListeningEvent) event).getAddress();
                                assertThat(address.getPort()).isPositive()
                                        .isEqualTo(((InetSocketAddress) context.getBean("apiPipeServer", PipeServer.class)
                                                .address()).getPort());
                            });
                });
        assertThat(events).filteredOn(PipeConnectionClosedEvent.class::isInstance).singleElement()
                .extracting(PipeEvent::getPipeName).isEqualTo("orders");
    }

    /** Looks at the pipe when made and when the endpoints start, in their phase. */
    @Configuration(proxyBeanMethods = false)
    static class OpeningObserver implements SmartLifecycle {

        private final Pipe orders;

        final boolean openWhenMade;

        volatile boolean openWhenEndpointsStart;

        private volatile boolean running;

        OpeningObserver(@Qualifier("ordersPipe") Pipe orders) {
            this.orders = orders;
            this.openWhenMade = ((SharedPipe) orders).isAttached();
        }

        @Override
        public void start() {
            this.openWhenEndpointsStart = ((SharedPipe) this.orders).isAttached();
            this.running = true;
        }

        @Override
        public void stop() {
            this.running = false;
        }

        @Override
        public boolean isRunning() {
            return this.running;
        }

        @Override
        public int getPhase() {
            return Integer.MAX_VALUE / 2;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ListeningObserver implements SmartLifecycle {

        private final SharedPipeServer api;

        volatile boolean listeningWhenEndpointsStart;

        private volatile boolean running;

        ListeningObserver(@Qualifier("apiPipeServer") PipeServer api) {
            this.api = (SharedPipeServer) api;
        }

        @Override
        public void start() {
            this.listeningWhenEndpointsStart = this.api.isAttached() && this.api.isOpen();
            this.running = true;
        }

        @Override
        public void stop() {
            this.running = false;
        }

        @Override
        public boolean isRunning() {
            return this.running;
        }

        @Override
        public int getPhase() {
            return Integer.MAX_VALUE / 2;
        }
    }
}
