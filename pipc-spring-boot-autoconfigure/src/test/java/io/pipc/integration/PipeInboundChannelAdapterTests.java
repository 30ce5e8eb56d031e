package io.pipc.integration;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipePair;
import io.pipc.Pipes;
import io.pipc.codec.Codecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.messaging.Message;
import org.springframework.messaging.converter.MessageConversionException;
import org.springframework.messaging.support.ErrorMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

@Timeout(30)
class PipeInboundChannelAdapterTests {

    private final PipePair pair = Pipes.pair();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class)
            .withBean("in", QueueChannel.class);

    @Test
    void messageReadFromPipeArrivesWithPipeAndWireHeaders() {
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> adapter(this.pair.left())).run((context) -> {
            this.pair.right().write(new Envelope("hello".getBytes(StandardCharsets.UTF_8), "c-1", "text/plain"));

            Message<?> message = context.getBean("in", QueueChannel.class).receive(10_000);

            assertThat(message).isNotNull();
            assertThat((byte[]) message.getPayload()).asString(StandardCharsets.UTF_8).isEqualTo("hello");
            assertThat(message.getHeaders())
                    .containsEntry(PipcHeaders.PIPE_NAME, this.pair.left().name())
                    .containsEntry(PipcHeaders.TRANSPORT, "in-process")
                    .containsEntry(PipcHeaders.CORRELATION_ID, "c-1")
                    .containsEntry(PipcHeaders.CONTENT_TYPE, "text/plain")
                    .doesNotContainKey(PipcHeaders.CONNECTION_ID);
        });
    }

    @Test
    void messageWithoutWireHeadersHasNoneOfThem() {
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> adapter(this.pair.left())).run((context) -> {
            this.pair.right().write("plain");

            Message<?> message = context.getBean("in", QueueChannel.class).receive(10_000);

            assertThat(message).isNotNull();
            assertThat(message.getHeaders()).doesNotContainKeys(PipcHeaders.CORRELATION_ID, PipcHeaders.CONTENT_TYPE);
        });
    }

    @Test
    void codecDecodesPayloads() {
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> {
            PipeInboundChannelAdapter adapter = adapter(this.pair.left());
            adapter.setCodec(Codecs.string());
            return adapter;
        }).run((context) -> {
            this.pair.right().write("héllo");

            Message<?> message = context.getBean("in", QueueChannel.class).receive(10_000);

            assertThat(message).isNotNull();
            assertThat(message.getPayload()).isEqualTo("héllo");
        });
    }

    @Test
    void messageTheCodecCannotDecodeGoesToErrorChannelAndReadingGoesOn() {
        this.runner.withBean("errors", QueueChannel.class)
                .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                    PipeInboundChannelAdapter adapter = adapter(this.pair.left());
                    adapter.setCodec(Codecs.string());
                    adapter.setErrorChannelName("errors");
                    return adapter;
                }).run((context) -> {
                    this.pair.right().write(new byte[] { (byte) 0xC3, (byte) 0x28 });
                    this.pair.right().write("next");

                    Message<?> error = context.getBean("errors", QueueChannel.class).receive(10_000);
                    Message<?> next = context.getBean("in", QueueChannel.class).receive(10_000);

                    assertThat(error).isInstanceOf(ErrorMessage.class);
                    assertThat(((ErrorMessage) error).getPayload()).isInstanceOf(MessageConversionException.class)
                            .hasMessageContaining("pipe '" + this.pair.left().name() + "'")
                            .hasMessageContaining("string(UTF-8)");
                    assertThat(next).isNotNull();
                    assertThat(next.getPayload()).isEqualTo("next");
                });
    }

    @Test
    void applicationReadOfAnAdaptersPipeFailsNamingTheAdapterWhileWritesWork() {
        SharedPipe shared = SharedPipe.of(this.pair.left());
        this.runner.withBean("ordersAdapter", PipeInboundChannelAdapter.class, () -> adapter(shared)).run((context) -> {
            assertThatIllegalStateException().isThrownBy(shared::read)
                    .withMessageContaining("pipe '" + shared.name() + "' is read by 'ordersAdapter'");
            assertThatIllegalStateException().isThrownBy(shared::pending).withMessageContaining("'ordersAdapter'");
            assertThatIllegalStateException().isThrownBy(() -> shared.typed(Codecs.string()).read())
                    .withMessageContaining("'ordersAdapter'");

            shared.write("from the application");

            assertThat(this.pair.right().readString(java.time.Duration.ofSeconds(10))).isEqualTo("from the application");
        });
    }

    @Test
    void secondInboundEndpointOnOnePipeIsRefused() {
        SharedPipe shared = SharedPipe.of(this.pair.left());
        this.runner.withBean("first", PipeInboundChannelAdapter.class, () -> adapter(shared))
                .withBean("second", PipeInboundChannelAdapter.class, () -> adapter(shared))
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .rootCause().hasMessageContaining("already has an inbound endpoint, 'first'")
                        .hasMessageContaining("'second' cannot read it too"));
    }

    @Test
    void stopHandsOverEveryMessageAlreadyQueued() {
        List<Message<?>> received = new ArrayList<>();
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> adapter(this.pair.left())).run((context) -> {
            QueueChannel in = context.getBean("in", QueueChannel.class);
            for (int i = 0; i < 1000; i++) {
                this.pair.right().write("message " + i);
            }
            context.getBean(PipeInboundChannelAdapter.class).stop();
            received.addAll(in.clear());
        });

        assertThat(received).hasSize(1000);
        assertThat(new String((byte[]) received.get(999).getPayload(), StandardCharsets.UTF_8)).isEqualTo("message 999");
    }

    @Test
    void readingStartsWhenThePipeIsAttachedAfterTheAdapterStarted() {
        SharedPipe shared = new SharedPipe("late", io.pipc.Transport.IN_PROCESS);
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> adapter(shared)).run((context) -> {
            this.pair.right().write("waiting");
            assertThat(context.getBean("in", QueueChannel.class).receive(0)).isNull();

            shared.attach(this.pair.left());

            Message<?> message = context.getBean("in", QueueChannel.class).receive(TimeUnit.SECONDS.toMillis(10));
            assertThat(message).isNotNull();
            assertThat(message.getHeaders()).containsEntry(PipcHeaders.PIPE_NAME, "late");
        });
    }

    private static PipeInboundChannelAdapter adapter(Pipe pipe) {
        PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(pipe);
        adapter.setOutputChannelName("in");
        return adapter;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
