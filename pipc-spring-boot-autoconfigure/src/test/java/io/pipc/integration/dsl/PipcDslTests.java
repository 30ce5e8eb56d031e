package io.pipc.integration.dsl;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.pipc.Pipe;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.codec.Codecs;
import io.pipc.integration.ServerConnections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The DSL builds working flows without any property: a pipe relay, and a server whose
 * inbound adapter and outbound adapter share one {@link ServerConnections} bean.
 */
@Timeout(30)
class PipcDslTests {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);


    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void serverSettingsOnAPipesEndpointAreRefusedSayingWhereTheyBelong() {
        PipePair pair = Pipes.pair();
        try {
            assertThatIllegalStateException().isThrownBy(() -> Pipc.inboundAdapter(pair.left()).handlerThreads(4))
                    .withMessage("handlerThreads applies to an endpoint made from a PipeServer; for one made from"
                            + " ServerConnections, call setHandlerThreads on them (a pipe has no handler threads)");
            assertThatIllegalStateException()
                    .isThrownBy(() -> Pipc.inboundGateway(Pipc.serverConnections(Pipes.server(LOOPBACK)))
                            .taskExecutor(Runnable::run))
                    .withMessage("taskExecutor applies to an endpoint made from a PipeServer; for one made from"
                            + " ServerConnections, call setTaskExecutor on them (the connections' executor is theirs)");
        }
        finally {
            pair.left().close();
            pair.right().close();
        }
    }

    @Test
    void inboundAdapterToOutboundAdapterRelaysBetweenPipes() {
        PipePair from = Pipes.pair();
        PipePair to = Pipes.pair();
        new ApplicationContextRunner().withUserConfiguration(Relay.class)
                .withBean("from", Pipe.class, from::left)
                .withBean("to", Pipe.class, to::left)
                .run((context) -> {
                    from.right().write("relay me");

                    assertThat(to.right().readString(WAIT)).isEqualTo("RELAY ME");
                });
    }

    @Test
    void serverAdaptersSharingConnectionsAnswerEachClient() {
        PipeServer server = Pipes.server(LOOPBACK);
        new ApplicationContextRunner().withUserConfiguration(Echo.class)
                .withBean(PipeServer.class, () -> server)
                .run((context) -> {
                    Pipe first = Pipes.connect(server.address());
                    Pipe second = Pipes.connect(server.address());

                    second.write("two");
                    first.write("one");

                    assertThat(first.readString(WAIT)).isEqualTo("echo one");
                    assertThat(second.readString(WAIT)).isEqualTo("echo two");
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class Relay {

        @Bean
        IntegrationFlow relay(Pipe from, Pipe to) {
            return IntegrationFlow.from(Pipc.inboundAdapter(from).codec(Codecs.string()))
                    .<String, String>transform(String::toUpperCase)
                    .handle(Pipc.outboundAdapter(to).codec(Codecs.string()))
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class Echo {

        @Bean
        ServerConnections connections(PipeServer server) {
            return Pipc.serverConnections(server);
        }

        @Bean
        IntegrationFlow echo(ServerConnections connections) {
            return IntegrationFlow.from(Pipc.inboundAdapter(connections).codec(Codecs.string()))
                    .<String, String>transform((text) -> "echo " + text)
                    .handle(Pipc.outboundAdapter(connections).codec(Codecs.string()))
                    .get();
        }
    }
}
