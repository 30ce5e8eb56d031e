package io.pipc.boot.autoconfigure.app.tracing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two applications, each with Boot's tracing (Brave), talk over a TCP pipe: a client pipe's
 * outbound gateway asks a server's inbound gateway, or its outbound adapter sends to the server's
 * inbound adapter. The message carries the trace context in its application headers, so the
 * server's span continues the client's trace, as the child of the client's span that sent it,
 * and the server's flow runs in that trace.
 */
@Timeout(60)
class TracingAcrossAPipeTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final String[] COMMON = { "spring.main.banner-mode=off", "management.tracing.sampling.probability=1.0" };

    private ConfigurableApplicationContext server;

    private ConfigurableApplicationContext client;

    @AfterEach
    void close() {
        if (this.client != null) {
            this.client.close();
        }
        if (this.server != null) {
            this.server.close();
        }
    }

    @Test
    void requestOverAPipeContinuesTheClientsTraceInTheServer() {
        this.server = new SpringApplicationBuilder(ServerApplication.class).web(WebApplicationType.NONE)
                .properties(COMMON)
                .properties("spring.application.name=server", "pipc.servers.api.transport=tcp",
                        "pipc.servers.api.host=127.0.0.1", "pipc.servers.api.port=0", "pipc.servers.api.codec=string",
                        "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=apiIn")
                .run();
        String port = this.server.getEnvironment().getRequiredProperty("local.pipc.server.api.port");
        this.client = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
                .properties(COMMON)
                .properties("spring.application.name=client", "pipc.pipes.api.transport=tcp",
                        "pipc.pipes.api.mode=connect", "pipc.pipes.api.host=127.0.0.1", "pipc.pipes.api.port=" + port,
                        "pipc.pipes.api.codec=string", "pipc.pipes.api.gateway=true",
                        "pipc.pipes.api.outbound-channel=toApi")
                .run();

        Observation checkout = Observation.createNotStarted("checkout", this.client.getBean(ObservationRegistry.class));
        String reply = checkout.observe(() -> new MessagingTemplate().convertSendAndReceive(
                this.client.getBean("toApi", MessageChannel.class), "pears", String.class));

        assertThat(reply).isEqualTo("PEARS");
        List<MutableSpan> clientSpans = this.client.getBean(Spans.class).ended;
        List<MutableSpan> serverSpans = this.server.getBean(Spans.class).ended;
        await().atMost(WAIT).until(() -> serverSpans.stream().anyMatch((span) -> span.kind() == brave.Span.Kind.SERVER));
        await().atMost(WAIT).until(() -> clientSpans.stream().anyMatch((span) -> "checkout".equals(span.name())));
        MutableSpan root = only(clientSpans, null);
        MutableSpan request = only(clientSpans, brave.Span.Kind.CLIENT);
        MutableSpan handled = only(serverSpans, brave.Span.Kind.SERVER);

        assertThat(request.traceId()).isEqualTo(root.traceId());
        assertThat(request.parentId()).isEqualTo(root.id());
        assertThat(handled.traceId()).isEqualTo(root.traceId());
        assertThat(handled.parentId()).isEqualTo(request.id());
        assertThat(this.server.getBean(ServerApplication.class).traceIdsInFlow).containsExactly(root.traceId());
        assertThat(request.name()).isEqualTo("api request");
        assertThat(request.tags()).containsEntry("pipc.name", "api").containsEntry("pipc.transport", "tcp")
                .containsEntry("pipc.role", "pipe").containsKey("pipc.correlation.id");
        assertThat(handled.tags()).containsEntry("pipc.name", "api").containsEntry("pipc.transport", "tcp")
                .containsEntry("pipc.role", "server").containsEntry("pipc.correlation.id",
                        request.tags().get("pipc.correlation.id"))
                .containsKey("pipc.connection.id");
        assertThat(handled.localServiceName()).isEqualTo("server");
        assertThat(request.localServiceName()).isEqualTo("client");
    }

    @Test
    void messageOverAPipeContinuesTheSendersTraceInTheReceiver() {
        this.server = new SpringApplicationBuilder(ServerApplication.class).web(WebApplicationType.NONE)
                .properties(COMMON)
                .properties("spring.application.name=server", "pipc.servers.events.transport=tcp",
                        "pipc.servers.events.host=127.0.0.1", "pipc.servers.events.port=0",
                        "pipc.servers.events.codec=string", "pipc.servers.events.inbound-channel=eventsIn")
                .run();
        String port = this.server.getEnvironment().getRequiredProperty("local.pipc.server.events.port");
        this.client = new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
                .properties(COMMON)
                .properties("spring.application.name=client", "pipc.pipes.events.transport=tcp",
                        "pipc.pipes.events.mode=connect", "pipc.pipes.events.host=127.0.0.1",
                        "pipc.pipes.events.port=" + port, "pipc.pipes.events.codec=string",
                        "pipc.pipes.events.outbound-channel=toEvents")
                .run();

        Observation.createNotStarted("checkout", this.client.getBean(ObservationRegistry.class))
                .observe(() -> this.client.getBean("toEvents", MessageChannel.class)
                        .send(MessageBuilder.withPayload("shipped").build()));

        List<MutableSpan> clientSpans = this.client.getBean(Spans.class).ended;
        List<MutableSpan> serverSpans = this.server.getBean(Spans.class).ended;
        await().atMost(WAIT).until(() -> serverSpans.stream().anyMatch((span) -> span.kind() == brave.Span.Kind.CONSUMER));
        MutableSpan root = only(clientSpans, null);
        MutableSpan sent = only(clientSpans, brave.Span.Kind.PRODUCER);
        MutableSpan received = only(serverSpans, brave.Span.Kind.CONSUMER);

        assertThat(sent.parentId()).isEqualTo(root.id());
        assertThat(received.traceId()).isEqualTo(root.traceId());
        assertThat(received.parentId()).isEqualTo(sent.id());
        assertThat(this.server.getBean(ServerApplication.class).traceIdsInFlow).containsExactly(root.traceId());
        assertThat(sent.name()).isEqualTo("events send");
        assertThat(received.name()).isEqualTo("events receive");
        assertThat(received.tags()).containsEntry("pipc.name", "events").containsEntry("pipc.role", "server")
                .containsKey("pipc.connection.id");
    }

    private static MutableSpan only(List<MutableSpan> spans, brave.Span.Kind kind) {
        return spans.stream().filter((span) -> span.kind() == kind).reduce((a, b) -> {
            throw new AssertionError("more than one span of kind " + kind + ": " + spans);
        }).orElseThrow(() -> new AssertionError("no span of kind " + kind + ": " + spans));
    }

    /** Keeps every span the application ends, as a reporter would send it. */
    static final class Spans extends SpanHandler {

        final List<MutableSpan> ended = new CopyOnWriteArrayList<>();

        @Override
        public boolean end(TraceContext context, MutableSpan span, Cause cause) {
            this.ended.add(span);
            return true;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ServerApplication {

        final List<String> traceIdsInFlow = new CopyOnWriteArrayList<>();

        private final Tracer tracer;

        ServerApplication(Tracer tracer) {
            this.tracer = tracer;
        }

        @Bean
        static Spans spans() {
            return new Spans();
        }

        @ServiceActivator(inputChannel = "apiIn")
        String answer(String question) {
            Span current = this.tracer.currentSpan();
            this.traceIdsInFlow.add((current != null) ? current.context().traceId() : "none");
            return question.toUpperCase(java.util.Locale.ROOT);
        }

        @ServiceActivator(inputChannel = "eventsIn")
        void event(String event) {
            Span current = this.tracer.currentSpan();
            this.traceIdsInFlow.add((current != null) ? current.context().traceId() : "none");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ClientApplication {

        @Bean
        static Spans spans() {
            return new Spans();
        }
    }
}
