package io.pipc.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.pipc.Envelope;
import io.pipc.PipePair;
import io.pipc.Pipes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.mapping.HeaderMapper;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.converter.MessageConversionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@Timeout(30)
class PipcHeaderMapperTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final PipePair pair = Pipes.pair();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class)
            .withBean("in", QueueChannel.class);

    @AfterEach
    void close() {
        this.pair.left().close();
        this.pair.right().close();
    }

    @Test
    void byDefaultOnlyTraceContextIsWritten() {
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());

        out.handleMessage(MessageBuilder.withPayload("p").setHeader("traceparent", TRACEPARENT).setHeader("tracestate", "a=1")
                .setHeader("X-B3-TraceId", "80f198ee56343ba8").setHeader("baggage", "k=v").setHeader("x-tenant", "acme")
                .setHeader("Authorization", "Bearer secret").setHeader(PipcHeaders.PIPE_NAME, "elsewhere")
                .setReplyChannelName("replies").setErrorChannelName("errors").build());

        assertThat(this.pair.right().readEnvelope(WAIT).headers()).containsOnlyKeys("traceparent", "tracestate",
                "X-B3-TraceId", "baggage");
    }

    @Test
    void wideOutboundPatternsStillNeverSendIdsChannelsOrPipcHeaders() {
        PipcHeaderMapper mapper = new PipcHeaderMapper();
        mapper.setOutboundHeaderNames("*");
        Map<String, String> sent = new LinkedHashMap<>();

        mapper.fromHeaders(MessageBuilder.withPayload("p").setHeader("x-tenant", "acme").setHeader("attempt", 3)
                .setHeader(PipcHeaders.CORRELATION_ID, "c").setReplyChannelName("r").setErrorChannelName("e").build()
                .getHeaders(), sent);

        assertThat(sent).containsOnly(Map.entry("x-tenant", "acme"), Map.entry("attempt", "3"));
    }

    @Test
    void namedOutboundHeadersCrossAndTheReceiverKeepsOnlyWhatItsPatternsName() {
        PipcHeaderMapper sender = new PipcHeaderMapper();
        sender.setOutboundHeaderNames("traceparent", "x-*");
        PipcHeaderMapper receiver = new PipcHeaderMapper();
        receiver.setInboundHeaderNames("x-tenant");
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> {
            PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.pair.right());
            adapter.setOutputChannelName("in");
            adapter.setHeaderMapper(receiver);
            return adapter;
        }).run((context) -> {
            PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
            out.setHeaderMapper(sender);

            out.handleMessage(MessageBuilder.withPayload("p").setHeader("traceparent", TRACEPARENT)
                    .setHeader("x-tenant", "acme").setHeader("x-other", "o").setHeader("y", "no").build());
            Message<?> received = context.getBean("in", QueueChannel.class).receive(10_000);

            assertThat(received).isNotNull();
            assertThat(received.getHeaders()).containsEntry("x-tenant", "acme")
                    .doesNotContainKeys("traceparent", "x-other", "y");
        });
    }

    @Test
    void byDefaultAReceivedTraceContextIsSetAndNothingElseAndNeverOverPipcOrChannelHeaders() {
        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> {
            PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.pair.right());
            adapter.setOutputChannelName("in");
            return adapter;
        }).run((context) -> {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("traceparent", TRACEPARENT);
            headers.put("x-tenant", "acme");
            headers.put("errorChannel", "stolen");
            headers.put(PipcHeaders.PIPE_NAME, "forged");
            this.pair.left().write(new Envelope("p".getBytes(StandardCharsets.UTF_8), null, null, headers));

            Message<?> received = context.getBean("in", QueueChannel.class).receive(10_000);

            assertThat(received).isNotNull();
            assertThat(received.getHeaders()).containsEntry("traceparent", TRACEPARENT)
                    .containsEntry(PipcHeaders.PIPE_NAME, this.pair.right().name())
                    .doesNotContainKeys("x-tenant", MessageHeaders.ERROR_CHANNEL);
        });
    }

    @Test
    void anyMapperTheApplicationGivesStillNeverLetsRoutingOrPipcHeadersCross() {
        HeaderMapper<Map<String, String>> everything = new HeaderMapper<>() {
            @Override
            public void fromHeaders(MessageHeaders headers, Map<String, String> target) {
                headers.forEach((name, value) -> target.put(name, String.valueOf(value)));
            }

            @Override
            public Map<String, Object> toHeaders(Map<String, String> source) {
                return new LinkedHashMap<>(source);
            }
        };
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
        out.setHeaderMapper(everything);
        out.handleMessage(MessageBuilder.withPayload("p").setHeader("x-tenant", "acme")
                .setErrorChannelName("errors").setHeader(PipcHeaders.CONNECTION_ID, "7").build());
        assertThat(this.pair.right().readEnvelope(WAIT).headers()).containsOnlyKeys("x-tenant");

        this.runner.withBean("adapter", PipeInboundChannelAdapter.class, () -> {
            PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.pair.right());
            adapter.setOutputChannelName("in");
            adapter.setHeaderMapper(everything);
            return adapter;
        }).run((context) -> {
            Map<String, String> forged = new LinkedHashMap<>();
            forged.put("replyChannel", "elsewhere");
            forged.put(PipcHeaders.CONNECTION_ID, "9");
            forged.put("x-tenant", "acme");
            this.pair.left().write(new Envelope(new byte[0], null, null, forged));

            Message<?> received = context.getBean("in", QueueChannel.class).receive(10_000);
            assertThat(received).isNotNull();
            assertThat(received.getHeaders()).containsEntry("x-tenant", "acme")
                    .doesNotContainKeys(MessageHeaders.REPLY_CHANNEL, PipcHeaders.CONNECTION_ID);
        });
    }

    @Test
    void aHeaderTheWireCannotCarryFailsTheWriteNamingItAndWritesNothing() {
        PipcHeaderMapper mapper = new PipcHeaderMapper();
        mapper.setOutboundHeaderNames("traceparent", "x-*");
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
        out.setHeaderMapper(mapper);

        assertThatExceptionOfType(MessageConversionException.class)
                .isThrownBy(() -> out.handleMessage(MessageBuilder.withPayload("p").setHeader("x-object", new Object()).build()))
                .withMessageContaining("header 'x-object' is a java.lang.Object");
        assertThatExceptionOfType(MessageConversionException.class)
                .isThrownBy(() -> out.handleMessage(MessageBuilder.withPayload("p").setHeader("traceparent", "t".repeat(300)).build()))
                .withMessageContaining("application header 'traceparent' takes 311 bytes");
        out.handleMessage(MessageBuilder.withPayload("after").build());

        assertThat(this.pair.right().readString(WAIT)).isEqualTo("after");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
