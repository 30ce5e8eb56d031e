package io.pipc.integration.observation;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.codec.Codecs;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.PipeOutboundChannelAdapter;
import io.pipc.integration.SharedPipeServer;
import io.pipc.integration.dsl.Pipc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.MessageTimeoutException;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The observations of the four endpoints, in a {@link TestObservationRegistry}: names, tags,
 * replaced conventions, errors, and the carrier that a tracing handler writes into and reads
 * from (here a stand-in handler that writes and reads one header, as a propagating one does).
 */
@Timeout(30)
class PipcObservationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static final String STALE = "00-11111111111111111111111111111111-2222222222222222-01";

    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private final PipePair pair = Pipes.pair();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class)
            .withBean(TestObservationRegistry.class, () -> this.registry);

    @AfterEach
    void close() {
        this.pair.left().close();
        this.pair.right().close();
    }

    @Test
    void writeIsObservedAsMessageSendTaggedByNameTransportAndRole() {
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
        out.setObservationRegistry(this.registry);

        out.handleMessage(MessageBuilder.withPayload("p").build());

        assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("pipc.message.send", 1)
                .hasObservationWithNameEqualTo("pipc.message.send").that()
                .hasContextualNameEqualTo(this.pair.left().name() + " send")
                .hasLowCardinalityKeyValue("pipc.name", this.pair.left().name())
                .hasLowCardinalityKeyValue("pipc.transport", "in-process")
                .hasLowCardinalityKeyValue("pipc.role", "pipe")
                .doesNotHaveError().hasBeenStarted().hasBeenStopped();
    }

    @Test
    void headersAHandlerSetsOnTheSendersCarrierCrossThePipeInPlaceOfTheMessagesOwn() {
        this.registry.observationConfig().observationHandler(new InjectingHandler(TRACEPARENT));
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
        out.setObservationRegistry(this.registry);

        out.handleMessage(MessageBuilder.withPayload("p").setHeader("traceparent", STALE).build());

        assertThat(this.pair.right().readEnvelope(WAIT).headers()).containsOnly(Map.entry("traceparent", TRACEPARENT));
    }

    @Test
    void writeThatFailsIsRecordedAsTheObservationsError() {
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
        out.setObservationRegistry(this.registry);
        this.pair.left().close();

        assertThatExceptionOfType(MessageHandlingException.class)
                .isThrownBy(() -> out.handleMessage(MessageBuilder.withPayload("p").build()));

        assertThat(this.registry).hasObservationWithNameEqualTo("pipc.message.send").that()
                .hasError().hasBeenStopped();
    }

    @Test
    void replacedConventionNamesAndTagsTheObservation() {
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());
        out.setObservationRegistry(this.registry);
        out.setSendObservationConvention(new DefaultPipcSendObservationConvention() {

            @Override
            public String getName() {
                return "orders.sent";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(PipcSenderContext context) {
                return super.getLowCardinalityKeyValues(context).and("tenant",
                        String.valueOf(context.getMessage().getHeaders().get("tenant")));
            }
        });

        out.handleMessage(MessageBuilder.withPayload("p").setHeader("tenant", "acme").build());

        assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("pipc.message.send", 0)
                .hasObservationWithNameEqualTo("orders.sent").that()
                .hasLowCardinalityKeyValue("tenant", "acme")
                .hasLowCardinalityKeyValue("pipc.role", "pipe");
    }

    @Test
    void messageReadIsObservedAsMessageReceiveWhileTheFlowHandlesItFromTheWiresHeaders() {
        List<String> extracted = new CopyOnWriteArrayList<>();
        this.registry.observationConfig().observationHandler(new ExtractingHandler(extracted));
        List<Observation> currentInFlow = new CopyOnWriteArrayList<>();
        this.runner.withBean(Pipe.class, this.pair::left).withBean(Flows.class, () -> new Flows(currentInFlow))
                .withUserConfiguration(ReceivingFlow.class).run((context) -> {
                    this.pair.right().write(new Envelope(bytes("m"), null, null, Map.of("TraceParent", TRACEPARENT)));

                    await().atMost(WAIT).untilAsserted(() -> assertThat(this.registry)
                            .hasObservationWithNameEqualTo("pipc.message.receive").that().hasBeenStopped()
                            .hasLowCardinalityKeyValue("pipc.name", this.pair.left().name())
                            .hasLowCardinalityKeyValue("pipc.transport", "in-process")
                            .hasLowCardinalityKeyValue("pipc.role", "pipe")
                            .doesNotHaveError());
                    assertThat(extracted).containsExactly(TRACEPARENT);
                    assertThat(currentInFlow).singleElement()
                            .satisfies((observation) -> assertThat(observation.getContext())
                                    .isInstanceOf(PipcReceiverContext.class));
                });
    }

    @Test
    void flowThatFailsIsRecordedAsTheReceiveObservationsError() {
        this.runner.withBean(Pipe.class, this.pair::left).withBean(Flows.class, () -> new Flows(null))
                .withUserConfiguration(ReceivingFlow.class).run((context) -> {
                    this.pair.right().write(bytes("fail"));

                    await().atMost(WAIT).untilAsserted(() -> assertThat(this.registry)
                            .hasObservationWithNameEqualTo("pipc.message.receive").that().hasBeenStopped()
                            .assertThatError().hasRootCauseMessage("the flow failed on fail"));
                });
    }

    @Test
    void requestIsObservedAsRequestSendUntilItsReplyWithItsCorrelationIdAndTheCarrierCrosses() {
        this.registry.observationConfig().observationHandler(new InjectingHandler(TRACEPARENT));
        Thread peer = new Thread(() -> {
            Envelope request = this.pair.right().readEnvelope(WAIT);
            this.pair.right().write(new Envelope(bytes(request.headers().get("traceparent")), request.correlationId(), null));
        }, "echo-peer");
        peer.start();
        this.runner.withBean(Pipe.class, this.pair::left).withUserConfiguration(RequestingFlow.class).run((context) -> {
            Object reply = new MessagingTemplate().convertSendAndReceive(
                    context.getBean("toPeer.input", MessageChannel.class), "ping", String.class);

            assertThat(reply).isEqualTo(TRACEPARENT);
            assertThat(this.registry).hasObservationWithNameEqualTo("pipc.request.send").that()
                    .hasLowCardinalityKeyValue("pipc.name", this.pair.left().name())
                    .hasLowCardinalityKeyValue("pipc.role", "pipe")
                    .hasHighCardinalityKeyValueWithKey("pipc.correlation.id")
                    .doesNotHaveError().hasBeenStopped();
        });
    }

    @Test
    void asyncRequestIsObservedUntilItsReplyComesOnAnotherThread() {
        Thread peer = new Thread(() -> {
            Envelope request = this.pair.right().readEnvelope(WAIT);
            this.pair.right().write(new Envelope(bytes("pong"), request.correlationId(), null));
        }, "echo-peer");
        peer.start();
        this.runner.withBean(Pipe.class, this.pair::left).withUserConfiguration(AsyncRequestingFlow.class)
                .run((context) -> {
                    Object reply = new MessagingTemplate().convertSendAndReceive(
                            context.getBean("toPeer.input", MessageChannel.class), "ping", String.class);

                    assertThat(reply).isEqualTo("pong");
                    await().atMost(WAIT).untilAsserted(() -> assertThat(this.registry)
                            .hasObservationWithNameEqualTo("pipc.request.send").that().hasBeenStopped()
                            .doesNotHaveError().hasHighCardinalityKeyValueWithKey("pipc.correlation.id"));
                });
    }

    @Test
    void requestWithoutAReplyInTimeIsRecordedAsTheRequestSendObservationsError() {
        this.runner.withBean(Pipe.class, this.pair::left).withUserConfiguration(RequestingFlow.class).run((context) -> {
            assertThatExceptionOfType(MessageTimeoutException.class).isThrownBy(() -> new MessagingTemplate()
                    .convertSendAndReceive(context.getBean("toPeer.input", MessageChannel.class), "ping", String.class));

            assertThat(this.registry).hasObservationWithNameEqualTo("pipc.request.send").that().hasBeenStopped()
                    .assertThatError().isInstanceOf(MessageTimeoutException.class);
        });
    }

    @Test
    void serversRequestIsObservedAsRequestReceiveUntilItsReplyIsWrittenTaggedByServerAndConnection() {
        SharedPipeServer server = SharedPipeServer.of(Pipes.server(new InetSocketAddress("127.0.0.1", 0)));
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(AnsweringServer.class)
                .run((context) -> {
                    try (Pipe client = Pipes.connect(server.address())) {
                        client.write(new Envelope(bytes("hello"), "r-1", null));
                        assertThat(client.readEnvelope(WAIT).payload()).asString(StandardCharsets.UTF_8)
                                .isEqualTo("HELLO");
                        client.write(new Envelope(bytes("fail"), "r-2", null));

                        await().atMost(WAIT).untilAsserted(() -> assertThat(this.registry)
                                .hasNumberOfObservationsWithNameEqualTo("pipc.request.receive", 2));
                        assertThat(this.registry).hasObservationWithNameEqualTo("pipc.request.receive").that()
                                .hasHighCardinalityKeyValue("pipc.correlation.id", "r-1")
                                .hasHighCardinalityKeyValueWithKey("pipc.connection.id")
                                .hasLowCardinalityKeyValue("pipc.name", server.name())
                                .hasLowCardinalityKeyValue("pipc.transport", "tcp")
                                .hasLowCardinalityKeyValue("pipc.role", "server")
                                .doesNotHaveLowCardinalityKeyValueWithKey("pipc.connection.id")
                                .doesNotHaveError();
                        await().atMost(WAIT).untilAsserted(() -> assertThat(this.registry)
                                .hasAnObservation((observation) -> observation
                                        .hasHighCardinalityKeyValue("pipc.correlation.id", "r-2")
                                        .hasError()));
                    }
                });
    }

    @Test
    void withoutARegistryNothingIsObservedAndTheMessageStillCrosses() {
        PipeOutboundChannelAdapter out = new PipeOutboundChannelAdapter(this.pair.left());

        out.handleMessage(MessageBuilder.withPayload("p").setHeader("traceparent", TRACEPARENT).build());

        assertThat(this.pair.right().readEnvelope(WAIT).headers()).containsOnly(Map.entry("traceparent", TRACEPARENT));
        assertThat(this.registry).doesNotHaveAnyObservation();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Sets one header on every sender's carrier, as a propagating tracing handler does on start. */
    private record InjectingHandler(String traceparent) implements ObservationHandler<SenderContext<Object>> {

        @Override
        public void onStart(SenderContext<Object> context) {
            context.getSetter().set(context.getCarrier(), "traceparent", this.traceparent);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof SenderContext;
        }
    }

    /** Reads one header from every receiver's carrier, as a propagating tracing handler does on start. */
    private record ExtractingHandler(List<String> extracted) implements ObservationHandler<ReceiverContext<Object>> {

        @Override
        public void onStart(ReceiverContext<Object> context) {
            Object carrier = context.getCarrier();
            String value = (carrier != null) ? context.getGetter().get(carrier, "traceparent") : null;
            this.extracted.add(String.valueOf(value));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof ReceiverContext;
        }
    }

    /** Records the current observation in the flow, or fails when there is nowhere to record. */
    record Flows(List<Observation> current) {

        void handle(String payload, TestObservationRegistry registry) {
            if (this.current == null) {
                throw new IllegalStateException("the flow failed on " + payload);
            }
            this.current.add(registry.getCurrentObservation());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }

    @Configuration(proxyBeanMethods = false)
    static class ReceivingFlow {

        @Bean
        IntegrationFlow fromPeer(Pipe pipe, TestObservationRegistry registry, Flows flows) {
            return IntegrationFlow.from(Pipc.inboundAdapter(pipe).codec(Codecs.string()).observationRegistry(registry))
                    .handle(String.class, (payload, headers) -> {
                        flows.handle(payload, registry);
                        return null;
                    })
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RequestingFlow {

        @Bean
        IntegrationFlow toPeer(Pipe pipe, TestObservationRegistry registry) {
            return (flow) -> flow.handle(Pipc.outboundGateway(pipe).codec(Codecs.string()).observationRegistry(registry)
                    .replyTimeout(Duration.ofMillis(200)));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class AsyncRequestingFlow {

        @Bean
        IntegrationFlow toPeer(Pipe pipe, TestObservationRegistry registry) {
            return (flow) -> flow.handle(Pipc.outboundGateway(pipe).codec(Codecs.string()).observationRegistry(registry)
                    .async(true));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class AnsweringServer {

        @Bean
        IntegrationFlow answering(PipeServer server, TestObservationRegistry registry) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()).observationRegistry(registry))
                    .<String, String>transform((request) -> {
                        if (request.equals("fail")) {
                            throw new IllegalStateException("the flow failed on " + request);
                        }
                        return request.toUpperCase(java.util.Locale.ROOT);
                    })
                    .get();
        }
    }
}
