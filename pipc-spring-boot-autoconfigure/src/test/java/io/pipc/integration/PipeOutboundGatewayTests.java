package io.pipc.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipePair;
import io.pipc.Pipes;
import io.pipc.codec.Codecs;
import io.pipc.integration.dsl.Pipc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.MessageTimeoutException;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.annotation.IntegrationComponentScan;
import org.springframework.integration.annotation.MessagingGateway;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.MessageHandlingException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

@Timeout(30)
class PipeOutboundGatewayTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final PipePair pair = Pipes.pair();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class);

    @Test
    void requestIsWrittenWithAFreshCorrelationIdAndItsReplyIsReturned() {
        Thread peer = echoPeer(this.pair.right(), 1);
        this.runner.withBean(Pipe.class, this.pair::left).withUserConfiguration(Requests.class).run((context) -> {
            Message<?> reply = new MessagingTemplate().sendAndReceive(
                    context.getBean("toPeer.input", MessageChannel.class), MessageBuilder.withPayload("ping").build());

            assertThat(reply).isNotNull();
            assertThat(reply.getPayload()).isEqualTo("echo ping");
            assertThat(reply.getHeaders()).containsKey(PipcHeaders.CORRELATION_ID)
                    .containsEntry(PipcHeaders.PIPE_NAME, this.pair.left().name());
        });
        join(peer);
    }

    @Test
    void concurrentRequestsFromManyThreadsEachGetTheirOwnReply() throws Exception {
        // The peer answers each group of eight requests last first, so replies matched in the
        // order the requests left would go to the wrong callers.
        Set<String> correlationIds = ConcurrentHashMap.newKeySet();
        Thread peer = reversingEchoPeer(this.pair.right(), 200, 8, correlationIds);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            this.runner.withBean(Pipe.class, this.pair::left).withUserConfiguration(Requests.class).run((context) -> {
                Ask ask = context.getBean(Ask.class);
                List<CompletableFuture<String>> replies = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String question = "q" + i;
                    replies.add(CompletableFuture.supplyAsync(() -> ask.ask(question), callers));
                }
                for (int i = 0; i < 200; i++) {
                    assertThat(replies.get(i).get()).isEqualTo("echo q" + i);
                }
            });
        }
        finally {
            callers.shutdownNow();
        }
        join(peer);
        assertThat(correlationIds).as("a fresh correlation id per request").hasSize(200);
    }

    @Test
    void requestWithoutReplyInTimeFailsWithATimeoutNamingThePipe() {
        PipeOutboundGateway gateway = new PipeOutboundGateway(this.pair.left());
        gateway.setReplyTimeout(Duration.ofMillis(100));
        this.runner.withBean(PipeOutboundGateway.class, () -> gateway).run((context) -> {
            gateway.start();

            assertThatExceptionOfType(MessageTimeoutException.class)
                    .isThrownBy(() -> gateway.handleMessage(MessageBuilder.withPayload("unanswered").build()))
                    .withMessageContaining("pipe '" + this.pair.left().name() + "': no reply within PT0.1S");
            assertThat(gateway.getPending()).isZero();
        });
    }

    @Test
    void pendingRequestFailsAtOnceWhenThePeerCloses() {
        PipeOutboundGateway gateway = new PipeOutboundGateway(this.pair.left());
        gateway.setReplyTimeout(Duration.ofMinutes(5));
        this.runner.withBean(PipeOutboundGateway.class, () -> gateway).run((context) -> {
            gateway.start();
            Thread closer = new Thread(() -> {
                this.pair.right().read(WAIT);
                this.pair.right().close();
            });
            closer.start();

            assertThatExceptionOfType(MessageHandlingException.class)
                    .isThrownBy(() -> gateway.handleMessage(MessageBuilder.withPayload("hello?").build()))
                    .withMessageContaining("ended before the reply");
            join(closer);
        });
    }

    @Test
    void requestAfterThePipesInputEndedFailsAtOnceAndIsNotWritten() {
        SharedPipe left = SharedPipe.of(this.pair.left());
        PipeOutboundGateway gateway = new PipeOutboundGateway(left);
        gateway.setReplyTimeout(Duration.ofMinutes(5));
        this.runner.withBean(PipeOutboundGateway.class, () -> gateway).run((context) -> {
            gateway.start();
            this.pair.right().close();
            await().atMost(WAIT).until(() -> left.state() == SharedPipe.State.CLOSED);

            assertThatExceptionOfType(MessageHandlingException.class)
                    .isThrownBy(() -> gateway.handleMessage(MessageBuilder.withPayload("anyone?").build()))
                    .withMessageContaining("receives nothing more")
                    .withMessageContaining("the request was not written");
        });
    }

    @Test
    void aCallerWhoseRequestIsTheOnlyOnePendingSpinsForItsReply() {
        // Longer than the test may take: a caller that spins cannot have parked before its reply comes.
        PipeOutboundGateway gateway = gatewaySpinning(Duration.ofMinutes(1));
        QueueChannel replies = new QueueChannel();
        whileRunning(gateway, () -> {
            Thread spinning = caller(gateway, "alone", replies);
            Envelope request = this.pair.right().readEnvelope(WAIT);

            await().during(Duration.ofMillis(200)).atMost(WAIT)
                    .until(() -> spinning.getState() == Thread.State.RUNNABLE);
            answer(request, "here");

            join(spinning);
            assertThat(replyText(replies)).isEqualTo("here");
        });
    }

    @Test
    void aSecondPendingRequestEndsTheSpinOfTheFirstAndItsCallerParksAsWell() {
        PipeOutboundGateway gateway = gatewaySpinning(Duration.ofMinutes(1));
        QueueChannel replies = new QueueChannel();
        whileRunning(gateway, () -> {
            Thread first = caller(gateway, "first", replies);
            Envelope firstRequest = this.pair.right().readEnvelope(WAIT);
            await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> first.getState() == Thread.State.RUNNABLE);

            Thread second = caller(gateway, "second", replies);
            Envelope secondRequest = this.pair.right().readEnvelope(WAIT);

            await().atMost(WAIT).until(() -> first.getState() == Thread.State.TIMED_WAITING
                    && second.getState() == Thread.State.TIMED_WAITING);
            answer(firstRequest, "one");
            answer(secondRequest, "two");
            join(first);
            join(second);
            assertThat(List.of(replyText(replies), replyText(replies))).containsExactlyInAnyOrder("one", "two");
        });
    }

    @Test
    void aCallerWhoseReplyTakesLongerThanTheSpinParksAndStillGetsIt() {
        PipeOutboundGateway gateway = gatewaySpinning(Duration.ofMillis(1));
        QueueChannel replies = new QueueChannel();
        whileRunning(gateway, () -> {
            Thread waiting = caller(gateway, "slow", replies);
            Envelope request = this.pair.right().readEnvelope(WAIT);

            await().atMost(WAIT).until(() -> waiting.getState() == Thread.State.TIMED_WAITING);
            answer(request, "late");

            join(waiting);
            assertThat(replyText(replies)).isEqualTo("late");
        });
    }

    @Test
    void aSpinLongerThanTheReplyTimeoutEndsWithItAndTheRequestTimesOut() {
        PipeOutboundGateway gateway = gatewaySpinning(Duration.ofMinutes(1));
        gateway.setReplyTimeout(Duration.ofMillis(100));

        whileRunning(gateway, () -> assertThatExceptionOfType(MessageTimeoutException.class)
                .isThrownBy(() -> gateway.handleMessage(MessageBuilder.withPayload("unanswered").build()))
                .withMessageContaining("no reply within PT0.1S"));
    }

    @Test
    void aNegativeReplySpinIsRefusedNamingIt() {
        PipeOutboundGateway gateway = new PipeOutboundGateway(this.pair.left());

        assertThatIllegalArgumentException().isThrownBy(() -> gateway.setReplySpin(Duration.ofNanos(-1)))
                .withMessage("replySpin must not be negative (was PT-0.000000001S)");
        assertThat(gateway.getReplySpin()).isEqualTo(PipeOutboundGateway.DEFAULT_REPLY_SPIN);
    }

    @Test
    void twoApplicationsAskEachOtherOverOnePipe() {
        SharedPipe left = SharedPipe.of(this.pair.left());
        SharedPipe right = SharedPipe.of(this.pair.right());
        ApplicationContextRunner both = this.runner.withUserConfiguration(Duplex.class);
        both.withBean("side", String.class, () -> "left").withBean(SharedPipe.class, () -> left).run((leftContext) ->
                both.withBean("side", String.class, () -> "right").withBean(SharedPipe.class, () -> right).run((rightContext) -> {
                    Ask leftAsks = leftContext.getBean(Ask.class);
                    Ask rightAsks = rightContext.getBean(Ask.class);

                    assertThat(leftAsks.ask("who are you?")).isEqualTo("right answers who are you?");
                    assertThat(rightAsks.ask("and you?")).isEqualTo("left answers and you?");
                }));
    }

    private PipeOutboundGateway gatewaySpinning(Duration replySpin) {
        PipeOutboundGateway gateway = new PipeOutboundGateway(this.pair.left());
        gateway.setReplySpin(replySpin);
        return gateway;
    }

    /** Runs {@code test} with {@code gateway} started in an integration context. */
    private void whileRunning(PipeOutboundGateway gateway, Runnable test) {
        this.runner.withBean(PipeOutboundGateway.class, () -> gateway).run((context) -> {
            gateway.start();
            test.run();
        });
    }

    /** Starts a thread that asks through {@code gateway}, its reply going to {@code replies}. */
    private static Thread caller(PipeOutboundGateway gateway, String question, QueueChannel replies) {
        Thread caller = new Thread(() -> gateway.handleMessage(MessageBuilder
                .withPayload(question.getBytes(StandardCharsets.UTF_8)).setReplyChannel(replies).build()),
                "caller-" + question);
        caller.start();
        return caller;
    }

    /** The peer answers {@code request} with {@code text}. */
    private void answer(Envelope request, String text) {
        this.pair.right().write(new Envelope(text.getBytes(StandardCharsets.UTF_8), request.correlationId(), null));
    }

    private static String replyText(QueueChannel replies) {
        Message<?> reply = replies.receive(WAIT.toMillis());
        assertThat(reply).as("a reply").isNotNull();
        return new String((byte[]) reply.getPayload(), StandardCharsets.UTF_8);
    }

    /** Answers {@code count} requests with "echo " and the request's text, keeping the correlation id. */
    private static Thread echoPeer(Pipe pipe, int count) {
        Thread peer = new Thread(() -> {
            for (int i = 0; i < count; i++) {
                Envelope request = pipe.readEnvelope(WAIT);
                pipe.write(new Envelope(("echo " + new String(request.payload(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8), request.correlationId(), null));
            }
        }, "echo-peer");
        peer.start();
        return peer;
    }

    /**
     * Answers {@code count} requests, taking them in groups of {@code group} (the callers' most
     * in flight) and answering each group in reverse order; records every correlation id seen.
     */
    private static Thread reversingEchoPeer(Pipe pipe, int count, int group, Set<String> correlationIds) {
        Thread peer = new Thread(() -> {
            int answered = 0;
            while (answered < count) {
                Deque<Envelope> batch = new ArrayDeque<>();
                while (batch.size() < Math.min(group, count - answered)) {
                    Envelope request = pipe.readEnvelope(WAIT);
                    correlationIds.add(String.valueOf(request.correlationId()));
                    batch.push(request);
                }
                for (Envelope request : batch) {
                    pipe.write(new Envelope(("echo " + new String(request.payload(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8), request.correlationId(), null));
                }
                answered += batch.size();
            }
        }, "reversing-echo-peer");
        peer.start();
        return peer;
    }

    private static void join(Thread thread) {
        try {
            thread.join(WAIT.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        assertThat(thread.isAlive()).isFalse();
    }

    @MessagingGateway(defaultRequestChannel = "toPeer.input")
    interface Ask {

        String ask(String question);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }

    @Configuration(proxyBeanMethods = false)
    @IntegrationComponentScan(basePackageClasses = Ask.class)
    static class Requests {

        @Bean
        IntegrationFlow toPeer(Pipe pipe) {
            return (flow) -> flow.handle(Pipc.outboundGateway(pipe).codec(Codecs.string()));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @IntegrationComponentScan(basePackageClasses = Ask.class)
    static class Duplex {

        @Bean
        IntegrationFlow toPeer(SharedPipe pipe) {
            return (flow) -> flow.handle(Pipc.outboundGateway(pipe).codec(Codecs.string()));
        }

        @Bean
        IntegrationFlow fromPeer(SharedPipe pipe, String side) {
            return IntegrationFlow.from(Pipc.inboundGateway(pipe).codec(Codecs.string()))
                    .<String, String>transform((question) -> side + " answers " + question)
                    .get();
        }
    }
}
