package io.pipc.integration;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.codec.Codecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;
import org.springframework.messaging.converter.MessageConversionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class PipeOutboundChannelAdapterTests {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);


    private static final Duration WAIT = Duration.ofSeconds(10);

    private final PipePair pair = Pipes.pair();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class);

    @Test
    void bytesAndStringPayloadsAreWrittenWithTheWireHeaders() {
        this.runner.withBean("out", PipeOutboundChannelAdapter.class, () -> new PipeOutboundChannelAdapter(this.pair.left()))
                .run((context) -> {
                    PipeOutboundChannelAdapter out = context.getBean(PipeOutboundChannelAdapter.class);

                    out.handleMessage(MessageBuilder.withPayload(new byte[] { 1, 2, 3 }).build());
                    out.handleMessage(MessageBuilder.withPayload("text").setHeader(PipcHeaders.CORRELATION_ID, "c-9")
                            .setHeader(PipcHeaders.CONTENT_TYPE, "text/plain").build());

                    assertThat(this.pair.right().read(WAIT)).containsExactly(1, 2, 3);
                    assertThat(this.pair.right().readEnvelope(WAIT))
                            .isEqualTo(new Envelope("text".getBytes(StandardCharsets.UTF_8), "c-9", "text/plain"));
                });
    }

    @Test
    void codecEncodesPayloadsThatAreNotBytes() {
        this.runner.withBean("out", PipeOutboundChannelAdapter.class, () -> {
            PipeOutboundChannelAdapter adapter = new PipeOutboundChannelAdapter(this.pair.left());
            adapter.setCodec(Codecs.string());
            return adapter;
        }).run((context) -> {
            context.getBean(PipeOutboundChannelAdapter.class).handleMessage(MessageBuilder.withPayload("ünïcode").build());

            assertThat(this.pair.right().readString(WAIT)).isEqualTo("ünïcode");
        });
    }

    @Test
    void objectPayloadWithoutCodecFailsNamingThePipeAndWritesNothing() {
        this.runner.withBean("out", PipeOutboundChannelAdapter.class, () -> new PipeOutboundChannelAdapter(this.pair.left()))
                .run((context) -> {
                    Message<?> message = MessageBuilder.withPayload(42L).build();

                    assertThatExceptionOfType(MessageConversionException.class)
                            .isThrownBy(() -> context.getBean(PipeOutboundChannelAdapter.class).handleMessage(message))
                            .withMessageContaining("pipe '" + this.pair.left().name() + "'")
                            .withMessageContaining("java.lang.Long");
                    assertThat(this.pair.right().size()).isZero();
                });
    }

    @Test
    void messagesOnTheChannelReachThePeerInOrder() {
        this.runner.withUserConfiguration(ChannelToPipe.class)
                .withBean(Pipe.class, this.pair::left)
                .run((context) -> {
                    MessageChannel channel = context.getBean("toPipe", MessageChannel.class);
                    for (int i = 0; i < 100; i++) {
                        channel.send(MessageBuilder.withPayload("m" + i).build());
                    }
                    for (int i = 0; i < 100; i++) {
                        assertThat(this.pair.right().readString(WAIT)).isEqualTo("m" + i);
                    }
                });
    }

    @Test
    void serverMessageGoesToTheClientItsConnectionIdNames() {
        PipeServer server = Pipes.server(LOOPBACK);
        ServerConnections connections = new ServerConnections(server);
        this.runner.withBean(ServerConnections.class, () -> connections)
                .withBean("out", PipeOutboundChannelAdapter.class, () -> new PipeOutboundChannelAdapter(connections))
                .run((context) -> {
                    Pipe first = Pipes.connect(server.address());
                    Pipe second = Pipes.connect(server.address());
                    await().atMost(WAIT).until(() -> connections.getConnectionIds().size() == 2);
                    List<String> ids = connections.getConnectionIds().stream().sorted().toList();
                    PipeOutboundChannelAdapter out = context.getBean(PipeOutboundChannelAdapter.class);

                    // Which client got which id depends on whose handshake ended first: ask each which it read.
                    out.handleMessage(MessageBuilder.withPayload("for you").setHeader(PipcHeaders.CONNECTION_ID, ids.get(1)).build());
                    out.handleMessage(MessageBuilder.withPayload("marker").setHeader(PipcHeaders.CONNECTION_ID, ids.get(0)).build());

                    // Had "for you" gone to every client, it would reach the other one before its marker.
                    assertThat(List.of(first.readString(WAIT), second.readString(WAIT)))
                            .containsExactlyInAnyOrder("for you", "marker");
                });
    }

    @Test
    void serverMessageWithoutConnectionIdFailsSayingWhichHeaderIsMissing() {
        ServerConnections connections = new ServerConnections(Pipes.server(LOOPBACK));
        this.runner.withBean(ServerConnections.class, () -> connections)
                .withBean("out", PipeOutboundChannelAdapter.class, () -> new PipeOutboundChannelAdapter(connections))
                .run((context) -> assertThatExceptionOfType(MessageHandlingException.class)
                        .isThrownBy(() -> context.getBean(PipeOutboundChannelAdapter.class)
                                .handleMessage(MessageBuilder.withPayload("lost").build()))
                        .withMessageContaining(PipcHeaders.CONNECTION_ID)
                        .withMessageContaining("this message has none"));
    }

    @Test
    void serverMessageForAClientThatIsGoneFailsSayingSo() {
        PipeServer server = Pipes.server(LOOPBACK);
        ServerConnections connections = new ServerConnections(server);
        this.runner.withBean(ServerConnections.class, () -> connections)
                .withBean("in", QueueChannel.class)
                .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                    PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(connections);
                    adapter.setOutputChannelName("in");
                    return adapter;
                })
                .withBean("out", PipeOutboundChannelAdapter.class, () -> new PipeOutboundChannelAdapter(connections))
                .run((context) -> {
                    Pipe client = Pipes.connect(server.address());
                    await().atMost(WAIT).until(() -> connections.getConnectionIds().size() == 1);
                    String id = connections.getConnectionIds().iterator().next();
                    client.close();
                    await().atMost(WAIT).until(() -> !connections.isConnected(id));

                    assertThatExceptionOfType(MessageHandlingException.class)
                            .isThrownBy(() -> context.getBean(PipeOutboundChannelAdapter.class).handleMessage(
                                    MessageBuilder.withPayload("too late").setHeader(PipcHeaders.CONNECTION_ID, id).build()))
                            .withMessageContaining("client connection '" + id + "'")
                            .withMessageContaining("the client is gone");
                });
    }

    @Test
    void writeToAPipeWhosePeerClosedFailsNamingThePipe() {
        this.runner.withBean("out", PipeOutboundChannelAdapter.class, () -> new PipeOutboundChannelAdapter(this.pair.left()))
                .run((context) -> {
                    this.pair.right().close();

                    assertThatExceptionOfType(MessageHandlingException.class)
                            .isThrownBy(() -> context.getBean(PipeOutboundChannelAdapter.class)
                                    .handleMessage(MessageBuilder.withPayload("x").build()))
                            .withMessageContaining("could not write to pipe '" + this.pair.left().name() + "'")
                            .withCauseInstanceOf(PeerClosedException.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }

    @Configuration(proxyBeanMethods = false)
    static class ChannelToPipe {

        @Bean
        DirectChannel toPipe() {
            return new DirectChannel();
        }

        @Bean
        IntegrationFlow pipeWriter(Pipe pipe) {
            return IntegrationFlow.from("toPipe").handle(new PipeOutboundChannelAdapter(pipe)).get();
        }
    }
}
