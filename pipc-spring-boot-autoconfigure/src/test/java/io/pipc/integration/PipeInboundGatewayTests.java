package io.pipc.integration;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.codec.Codecs;
import io.pipc.integration.dsl.Pipc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.config.EnableIntegrationManagement;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.messaging.MessagingException;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class PipeInboundGatewayTests {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);


    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class);

    @Test
    void replyGoesBackToTheClientThatAskedWithTheRequestsCorrelationId() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(UpperCaseServer.class).run((context) -> {
            Pipe asking = Pipes.connect(server.address());
            Pipe other = Pipes.connect(server.address());

            asking.write(new Envelope(bytes("hello"), "req-1", "text/plain"));

            Envelope reply = asking.readEnvelope(WAIT);
            assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("HELLO");
            assertThat(reply.correlationId()).isEqualTo("req-1");
            // Had the reply gone to every client, it would reach the other one before its own answer.
            other.write(new Envelope(bytes("marker"), "req-2", "text/plain"));
            Envelope first = other.readEnvelope(WAIT);
            assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("MARKER");
            assertThat(first.correlationId()).isEqualTo("req-2");
        });
    }

    @Test
    void hundredConcurrentRequestsOverOneConnectionAreEachAnsweredByCorrelationId() {
        PipeServer server = Pipes.server(LOOPBACK);
        CountDownLatch clientHasLastReply = new CountDownLatch(1);
        this.runner.withBean(PipeServer.class, () -> server)
                .withBean("clientHasLastReply", CountDownLatch.class, () -> clientHasLastReply)
                .withUserConfiguration(ConcurrentServer.class)
                .run((context) -> {
                    Pipe client = Pipes.connect(server.address());
                    for (int i = 0; i < 100; i++) {
                        client.write(new Envelope(bytes("p" + i), "r" + i, null));
                    }
                    Map<String, String> replies = new LinkedHashMap<>();
                    for (int i = 0; i < 100; i++) {
                        Envelope reply = client.readEnvelope(WAIT);
                        replies.put(reply.correlationId(), new String(reply.payload(), StandardCharsets.UTF_8));
                        if ("r99".equals(reply.correlationId())) {
                            clientHasLastReply.countDown();
                        }
                    }

                    assertThat(replies).hasSize(100);
                    for (int i = 0; i < 100; i++) {
                        assertThat(replies).containsEntry("r" + i, "reply to p" + i);
                    }
                    List<String> order = new ArrayList<>(replies.keySet());
                    assertThat(order.indexOf("r0")).as("the first request was held until the last was answered")
                            .isGreaterThan(order.indexOf("r99"));
                });
    }

    @Test
    void slowFlowOnADirectChannelHandlesOneClientsRequestsAtOnce() {
        PipeServer server = Pipes.server(LOOPBACK);
        CountDownLatch allInTheFlow = new CountDownLatch(3);
        this.runner.withBean(PipeServer.class, () -> server)
                .withBean("allInTheFlow", CountDownLatch.class, () -> allInTheFlow)
                .withUserConfiguration(TogetherServer.class)
                .run((context) -> assertThreeRequestsWereInTheFlowTogether(Pipes.connect(server.address())));
    }

    @Test
    void oneClientsRequestsAreHandledAtOnceWhenTheServersLoopsHandThemOver() {
        SharedPipeServer server = new SharedPipeServer("together", Transport.TCP);
        ServerConnections connections = new ServerConnections(server);
        server.attach(Pipes.server(LOOPBACK, PipeOptions.builder().messageSink(server.messageSink()).build()));
        CountDownLatch allInTheFlow = new CountDownLatch(3);
        this.runner.withBean(ServerConnections.class, () -> connections)
                .withBean("allInTheFlow", CountDownLatch.class, () -> allInTheFlow)
                .withUserConfiguration(TogetherConnections.class)
                .run((context) -> assertThreeRequestsWereInTheFlowTogether(Pipes.connect(server.address())));
    }

    private static void assertThreeRequestsWereInTheFlowTogether(Pipe client) {
        for (int i = 0; i < 3; i++) {
            client.write(new Envelope(bytes("r" + i), "r" + i, null));
        }
        Map<String, String> replies = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            Envelope reply = client.readEnvelope(WAIT);
            replies.put(reply.correlationId(), text(reply.payload()));
        }
        // One at a time, the first request would wait in the flow for the others until it gave up.
        assertThat(replies).containsOnly(Map.entry("r0", "together"), Map.entry("r1", "together"),
                Map.entry("r2", "together"));
    }

    @Test
    void flowRunsOnTheTaskExecutorTheServerIsGiven() {
        PipeServer server = Pipes.server(LOOPBACK);
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setThreadNamePrefix("application-executor-");
        executor.initialize();
        try {
            this.runner.withBean(PipeServer.class, () -> server)
                    .withBean("executor", Executor.class, () -> executor)
                    .withUserConfiguration(ThreadNameServer.class)
                    .run((context) -> {
                        Pipe client = Pipes.connect(server.address());
                        client.write(new Envelope(bytes("which"), "r1", null));
                        assertThat(text(client.readEnvelope(WAIT).payload())).startsWith("application-executor-");
                    });
        }
        finally {
            executor.shutdown();
        }
    }

    @Test
    void readingWaitsWhileMaxInFlightRequestsAreBeingHandled() {
        PipeServer server = Pipes.server(LOOPBACK);
        CountDownLatch release = new CountDownLatch(1);
        this.runner.withBean(PipeServer.class, () -> server)
                .withBean("release", CountDownLatch.class, () -> release)
                .withUserConfiguration(HeldServer.class)
                .run((context) -> {
                    Pipe client = Pipes.connect(server.address());
                    PipeInboundGateway gateway = context.getBean(PipeInboundGateway.class);
                    AtomicInteger started = context.getBean(AtomicInteger.class);
                    for (int i = 0; i < 5; i++) {
                        client.write(new Envelope(bytes("r" + i), "r" + i, null));
                    }

                    await().atMost(WAIT).until(() -> started.get() == 2);
                    assertThat(gateway.getInFlight()).isEqualTo(2);
                    assertThat(started.get()).as("a third request waits for room").isEqualTo(2);

                    release.countDown();
                    for (int i = 0; i < 5; i++) {
                        assertThat(client.readEnvelope(WAIT).correlationId()).startsWith("r");
                    }
                    assertThat(started.get()).isEqualTo(5);
                });
    }

    @Test
    void requestWhoseReplyDoesNotComeInTimeIsGivenUpAndTheNextIsAnswered() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(SilentOnceServer.class).run((context) -> {
            Pipe client = Pipes.connect(server.address());
            PipeInboundGateway gateway = context.getBean(PipeInboundGateway.class);

            client.write(new Envelope(bytes("silence"), "r1", null));
            await().atMost(WAIT).until(() -> gateway.getInFlight() == 0);
            client.write(new Envelope(bytes("speak"), "r2", null));

            Envelope reply = client.readEnvelope(WAIT);
            assertThat(reply.correlationId()).isEqualTo("r2");
            assertThat(client.size()).isZero();
        });
    }

    @Test
    void requestWhoseFlowFailsGetsNoReplyAndReadingGoesOn() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(FailingOnceServer.class).run((context) -> {
            Pipe client = Pipes.connect(server.address());

            client.write(new Envelope(bytes("fail"), "r1", null));
            client.write(new Envelope(bytes("fine"), "r2", null));

            Envelope reply = client.readEnvelope(WAIT);
            assertThat(reply.correlationId()).isEqualTo("r2");
            assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("FINE");
        });
    }

    @Test
    void requestWhoseFlowFailsOnAnotherThreadIsGivenUpAtOnceAndTheNextIsAnswered() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(FailingOnAnotherThreadServer.class)
                .run((context) -> {
                    Pipe client = Pipes.connect(server.address());
                    PipeInboundGateway gateway = context.getBean(PipeInboundGateway.class);
                    CountDownLatch failed = context.getBean(CountDownLatch.class);
                    FailureCounts failures = context.getBean(FailureCounts.class);

                    client.write(new Envelope(bytes("fail"), "r1", null));
                    assertThat(failed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                    // The reply timeout is an hour: only the flow's error, sent to the request's
                    // error channel, ends the wait.
                    await().atMost(WAIT).until(() -> gateway.getInFlight() == 0);
                    client.write(new Envelope(bytes("fine"), "r2", null));

                    Envelope reply = client.readEnvelope(WAIT);
                    assertThat(reply.correlationId()).isEqualTo("r2");
                    assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("FINE");
                    // Counted as the flow's failure, not written as a reply the codec cannot encode.
                    assertThat(failures.counts).containsExactly(Map.entry(PipeMetrics.Failure.HANDLER, 1));
                });
    }

    @Test
    void requestWhoseFlowThrowsAnErrorIsNoLongerInFlightAndTheNextIsAnswered() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(ErrorThrowingServer.class).run((context) -> {
            Pipe client = Pipes.connect(server.address());
            PipeInboundGateway gateway = context.getBean(PipeInboundGateway.class);
            gateway.setMaxInFlight(1);

            client.write(new Envelope(bytes("error"), "r1", null));
            client.write(new Envelope(bytes("fine"), "r2", null));

            // With max-in-flight 1, whichever request is handled second waits for the first to
            // give back its place; the one that threw must give it back too. (The Error goes on
            // up its handler thread, as an Error should: Awaitility must not take it as its own.)
            Envelope reply = client.readEnvelope(WAIT);
            assertThat(reply.correlationId()).isEqualTo("r2");
            await().dontCatchUncaughtExceptions().atMost(WAIT).until(() -> gateway.getInFlight() == 0);
        });
    }

    @Test
    void requestWhoseFlowFailsIsAnsweredByTheGatewaysErrorFlow() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(RecoveringServer.class).run((context) -> {
            Pipe client = Pipes.connect(server.address());

            client.write(new Envelope(bytes("fail"), "r1", null));

            Envelope reply = client.readEnvelope(WAIT);
            assertThat(reply.correlationId()).isEqualTo("r1");
            assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("recovered from refused fail");
        });
    }

    @Test
    void springIntegrationsMetricsTimeEachRequestOfAServersGateway() {
        PipeServer server = Pipes.server(LOOPBACK);
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(MeteredServer.class).run((context) -> {
            Pipe client = Pipes.connect(server.address());

            client.write(new Envelope(bytes("one"), "r1", null));
            client.write(new Envelope(bytes("two"), "r2", null));
            assertThat(client.readEnvelope(WAIT).payload()).isNotNull();
            assertThat(client.readEnvelope(WAIT).payload()).isNotNull();

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            await().atMost(WAIT).untilAsserted(() -> assertThat(meters.get("spring.integration.send")
                    .tag("name", "metered.gateway").tag("type", "source").tag("result", "success").timer().count())
                    .isEqualTo(2));
        });
    }

    @Test
    void gatewayOnAPipeAnswersThePeer() {
        PipePair pair = Pipes.pair();
        this.runner.withBean(Pipe.class, pair::left).withUserConfiguration(UpperCasePipe.class).run((context) -> {
            pair.right().write(new Envelope(bytes("pipe"), "p-1", null));

            Envelope reply = pair.right().readEnvelope(WAIT);

            assertThat(reply.correlationId()).isEqualTo("p-1");
            assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("PIPE");
        });
    }

    @Test
    void stopAnswersEveryRequestAlreadySentThenSaysGoodbye() {
        PipeServer server = Pipes.server(LOOPBACK);
        List<Pipe> clients = new ArrayList<>();
        this.runner.withBean(PipeServer.class, () -> server).withUserConfiguration(UpperCaseServer.class).run((context) -> {
            Pipe client = Pipes.connect(server.address());
            clients.add(client);
            ServerConnections connections = context.getBean(ServerConnections.class);
            await().atMost(WAIT).until(() -> connections.getConnectionIds().size() == 1);
            for (int i = 0; i < 500; i++) {
                client.write(new Envelope(bytes("m" + i), "r" + i, null));
            }
            context.close();
        });
        Pipe client = clients.get(0);

        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            answered.add(client.readEnvelope(WAIT).correlationId());
        }
        // Each request its own task: replies leave as they are done, matched by correlation id.
        assertThat(answered).hasSize(500).contains("r0", "r499");
        // An orderly goodbye, not a dropped connection (which says "without saying goodbye").
        assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> client.read(WAIT))
                .withMessageEndingWith(" closed").withMessageNotContaining("without saying goodbye");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }

    @Configuration(proxyBeanMethods = false)
    static class UpperCaseServer {

        @Bean
        IntegrationFlow upperCase(PipeServer server) {
            return IntegrationFlow.from(Pipc.inboundGateway(server))
                    .transform(byte[].class, (payload) -> bytes(text(payload).toUpperCase()))
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TogetherServer {

        @Bean
        IntegrationFlow together(PipeServer server, CountDownLatch allInTheFlow) {
            // A DirectChannel: the flow runs on the task that hands the request over.
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()))
                    .<String, String>transform((payload) -> waitForTheOthers(allInTheFlow))
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TogetherConnections {

        @Bean
        IntegrationFlow together(ServerConnections connections, CountDownLatch allInTheFlow) {
            return IntegrationFlow.from(Pipc.inboundGateway(connections).codec(Codecs.string()))
                    .<String, String>transform((payload) -> waitForTheOthers(allInTheFlow))
                    .get();
        }
    }

    /** In the flow: waits for the other requests to be in it too. */
    private static String waitForTheOthers(CountDownLatch allInTheFlow) {
        allInTheFlow.countDown();
        try {
            return allInTheFlow.await(5, TimeUnit.SECONDS) ? "together" : "alone";
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ThreadNameServer {

        @Bean
        IntegrationFlow threadName(PipeServer server, Executor executor) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()).taskExecutor(executor))
                    .<String, String>transform((payload) -> Thread.currentThread().getName())
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UpperCasePipe {

        @Bean
        IntegrationFlow upperCase(Pipe pipe) {
            return IntegrationFlow.from(Pipc.inboundGateway(pipe))
                    .transform(byte[].class, (payload) -> bytes(text(payload).toUpperCase()))
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ConcurrentServer {

        @Bean
        IntegrationFlow concurrent(PipeServer server, CountDownLatch clientHasLastReply) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()))
                    .channel((channels) -> channels.executor(new ConcurrentTaskExecutor(Executors.newFixedThreadPool(8))))
                    .<String, String>transform((payload) -> {
                        if ("p0".equals(payload)) {
                            awaitQuietly(clientHasLastReply);
                        }
                        return "reply to " + payload;
                    })
                    .get();
        }

        private static void awaitQuietly(CountDownLatch latch) {
            try {
                latch.await(20, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HeldServer {

        @Bean
        AtomicInteger started() {
            return new AtomicInteger();
        }

        @Bean
        IntegrationFlow held(PipeServer server, CountDownLatch release, AtomicInteger started) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()).maxInFlight(2))
                    .channel((channels) -> channels.executor(new ConcurrentTaskExecutor(Executors.newFixedThreadPool(8))))
                    .<String, String>transform((payload) -> {
                        started.incrementAndGet();
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        }
                        catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        return payload;
                    })
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SilentOnceServer {

        @Bean
        IntegrationFlow silentOnce(PipeServer server) {
            // The speaking request has as long, and its first run on a slow machine must fit in it.
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string())
                            .replyTimeout(Duration.ofSeconds(1)))
                    .<String>filter((payload) -> !"silence".equals(payload))
                    .<String, String>transform(String::toUpperCase)
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FailingOnAnotherThreadServer {

        @Bean
        CountDownLatch failed() {
            return new CountDownLatch(1);
        }

        @Bean
        ThreadPoolTaskExecutor flowThreads() {
            ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
            executor.setCorePoolSize(1);
            return executor;
        }

        @Bean
        FailureCounts failureCounts() {
            return new FailureCounts();
        }

        @Bean
        ServerConnections connections(PipeServer server, FailureCounts failureCounts) {
            ServerConnections connections = Pipc.serverConnections(server);
            connections.setMetrics(failureCounts);
            return connections;
        }

        @Bean
        IntegrationFlow failingOnAnotherThread(ServerConnections connections, ThreadPoolTaskExecutor flowThreads,
                CountDownLatch failed) {
            return IntegrationFlow.from(Pipc.inboundGateway(connections).codec(Codecs.string())
                            .replyTimeout(Duration.ofHours(1)))
                    .channel((channels) -> channels.executor(flowThreads))
                    .<String, String>transform((payload) -> {
                        if ("fail".equals(payload)) {
                            failed.countDown();
                            throw new IllegalArgumentException("refused");
                        }
                        return payload.toUpperCase();
                    })
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegrationManagement
    static class MeteredServer {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        IntegrationFlow metered(PipeServer server) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()).id("metered.gateway"))
                    .<String, String>transform(String::toUpperCase)
                    .get();
        }
    }

    /** Counts the failures an endpoint reports, by kind. */
    static final class FailureCounts implements PipeMetrics {

        final Map<PipeMetrics.Failure, Integer> counts = new ConcurrentHashMap<>();

        @Override
        public void failure(Origin origin, Failure kind) {
            this.counts.merge(kind, 1, Integer::sum);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ErrorThrowingServer {

        @Bean
        IntegrationFlow throwingAnError(PipeServer server) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()))
                    .<String, String>transform((payload) -> {
                        if ("error".equals(payload)) {
                            throw new AssertionError("an Error, not an Exception");
                        }
                        return payload.toUpperCase();
                    })
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RecoveringServer {

        @Bean
        IntegrationFlow refusing(PipeServer server) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()).errorChannel("recover"))
                    .<String, String>transform((payload) -> {
                        throw new IllegalArgumentException("refused " + payload);
                    })
                    .get();
        }

        @Bean
        IntegrationFlow recovering() {
            return IntegrationFlow.from("recover")
                    .<MessagingException, String>transform((failure) -> "recovered from "
                            + Objects.requireNonNull(failure.getCause()).getMessage())
                    .get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FailingOnceServer {

        @Bean
        IntegrationFlow failingOnce(PipeServer server) {
            return IntegrationFlow.from(Pipc.inboundGateway(server).codec(Codecs.string()))
                    .<String, String>transform((payload) -> {
                        if ("fail".equals(payload)) {
                            throw new IllegalArgumentException("refused");
                        }
                        return payload.toUpperCase();
                    })
                    .get();
        }
    }
}
