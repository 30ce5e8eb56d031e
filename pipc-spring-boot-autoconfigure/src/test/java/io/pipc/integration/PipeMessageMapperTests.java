package io.pipc.integration;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.pipc.Envelope;
import io.pipc.Transport;
import org.junit.jupiter.api.Test;

import org.springframework.integration.support.DefaultMessageBuilderFactory;
import org.springframework.integration.support.MutableMessage;
import org.springframework.integration.support.MutableMessageBuilderFactory;
import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

import static org.assertj.core.api.Assertions.assertThat;

class PipeMessageMapperTests {

    private static final byte[] PAYLOAD = "hello".getBytes(StandardCharsets.UTF_8);

    private final PipeMessageMapper mapper = new PipeMessageMapper();

    private static ReceivedMessage received(Envelope envelope) {
        return new ReceivedMessage(envelope, new PipeMetrics.Origin("api", Transport.TCP, PipeMetrics.Role.SERVER),
                "api-1", (reply) -> { });
    }

    @Test
    void aMessageReadWithTheDefaultBuildersCarriesPipcsHeadersAnIdAndATimestamp() {
        Message<?> message = this.mapper.toMessage(received(new Envelope(PAYLOAD, "c-1", "text/plain")),
                new DefaultMessageBuilderFactory());
        assertThat(message).isInstanceOf(GenericMessage.class);
        assertThat(message.getPayload()).isSameAs(PAYLOAD);
        assertThat(message.getHeaders()).containsEntry(PipcHeaders.PIPE_NAME, "api")
                .containsEntry(PipcHeaders.TRANSPORT, "tcp").containsEntry(PipcHeaders.CONNECTION_ID, "api-1")
                .containsEntry(PipcHeaders.CORRELATION_ID, "c-1").containsEntry(PipcHeaders.CONTENT_TYPE, "text/plain");
        assertThat(message.getHeaders().getId()).isNotNull();
        assertThat(message.getHeaders().getTimestamp()).isNotNull();
    }

    @Test
    void aMessageReadWithoutCorrelationIdOrContentTypeHasNeitherHeader() {
        Message<?> message = this.mapper.toMessage(received(new Envelope(PAYLOAD, null, null)),
                new DefaultMessageBuilderFactory());
        assertThat(message.getHeaders()).doesNotContainKeys(PipcHeaders.CORRELATION_ID, PipcHeaders.CONTENT_TYPE)
                .containsEntry(PipcHeaders.PIPE_NAME, "api");
    }

    @Test
    void theEndpointsMessageBuildersAreUsedWhenTheyAreNotTheDefault() {
        Message<?> message = this.mapper.toMessage(received(new Envelope(PAYLOAD, "c-1", null)),
                new MutableMessageBuilderFactory());
        assertThat(message).isInstanceOf(MutableMessage.class);
        assertThat(message.getHeaders()).containsEntry(PipcHeaders.CORRELATION_ID, "c-1")
                .containsEntry(PipcHeaders.TRANSPORT, "tcp");
    }

    @Test
    void applicationHeadersReadCrossAndPipcsOwnWin() {
        Message<?> message = this.mapper.toMessage(received(new Envelope(PAYLOAD, "c-1", null,
                Map.of("traceparent", "00-abc-def-01", PipcHeaders.CORRELATION_ID, "forged"))),
                new DefaultMessageBuilderFactory());
        assertThat(message.getHeaders()).containsEntry("traceparent", "00-abc-def-01")
                .containsEntry(PipcHeaders.CORRELATION_ID, "c-1");
    }
}
