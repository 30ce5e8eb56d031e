package io.pipc.integration;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A socket pipe opened with its {@link SharedPipe}'s message sink: replies complete the waiting
 * request where they are decoded, and the rest reaches the inbound endpoint in order.
 */
@Timeout(30)
class SocketPipeSinkTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final PipeServer server = Pipes.server(new InetSocketAddress("127.0.0.1", 0));

    private final SharedPipe shared = new SharedPipe("duplex", Transport.TCP);

    /** The thread each reply reached the gateway's output channel on, and its payload. */
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class)
            .withBean("in", QueueChannel.class)
            .withBean("replies", DirectChannel.class, () -> {
                DirectChannel channel = new DirectChannel();
                channel.subscribe((reply) -> this.replies.add(Thread.currentThread().getName() + " "
                        + new String((byte[]) reply.getPayload(), StandardCharsets.UTF_8)));
                return channel;
            })
            .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.shared);
                adapter.setOutputChannelName("in");
                return adapter;
            })
            .withBean("gateway", PipeOutboundGateway.class, () -> {
                PipeOutboundGateway gateway = new PipeOutboundGateway(this.shared);
                gateway.setAsync(true);
                gateway.setOutputChannelName("replies");
                return gateway;
            });

    @AfterEach
    void closeServer() {
        this.server.close();
    }

    @Test
    void replyCompletesTheWaitingRequestOnTheEventLoopThatDecodedIt() {
        this.runner.run((context) -> {
            Pipe peer = attachAndAccept();
            Envelope request = askPing(context.getBean(PipeOutboundGateway.class), peer);
            peer.write(new Envelope(bytes("pong"), request.correlationId(), null));

            // Through a reading thread the reply would arrive on "pipc-pipe-duplex".
            assertThat(this.replies.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).startsWith("pipc-loop-")
                    .endsWith(" pong");
            assertThat(LiveThreads.names()).noneMatch((name) -> name.equals("pipc-pipe-duplex"));
        });
    }

    @Test
    void messagesThatAreNoRepliesReachTheInboundEndpointInTheOrderSentAroundAReply() {
        this.runner.run((context) -> {
            Pipe peer = attachAndAccept();
            Envelope request = askPing(context.getBean(PipeOutboundGateway.class), peer);
            for (int i = 0; i < 200; i++) {
                if (i == 100) {
                    peer.write(new Envelope(bytes("pong"), request.correlationId(), null));
                }
                peer.write(new Envelope(bytes("m" + i), (i % 3 == 0) ? "peer-" + i : null, null));
            }

            assertThat(this.replies.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).endsWith(" pong");
            QueueChannel in = context.getBean("in", QueueChannel.class);
            for (int i = 0; i < 200; i++) {
                Message<?> message = in.receive(WAIT.toMillis());
                assertThat(message).isNotNull();
                assertThat(new String((byte[]) message.getPayload(), StandardCharsets.UTF_8)).isEqualTo("m" + i);
            }
        });
    }

    /** @return the request as the peer read it */
    private static Envelope askPing(PipeOutboundGateway gateway, Pipe peer) {
        gateway.start();
        gateway.handleMessage(MessageBuilder.withPayload(bytes("ping")).build());
        return peer.readEnvelope(WAIT);
    }

    private Pipe attachAndAccept() {
        assertThat(this.shared.messageSink()).as("the pipe has endpoints, so a sink").isNotNull();
        this.shared.attach(Pipes.connect(this.server.address(),
                PipeOptions.builder().messageSink(this.shared.messageSink()).build()));
        return this.server.accept(WAIT);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
