package io.pipc.integration;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipePair;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHandlingException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A {@link SharedPipe} that connects in the background, over in-process pairs handed out one
 * connection at a time: what is written, read, reported and waited for while its peer leaves
 * and comes back.
 */
@Timeout(30)
class SharedPipeReconnectionTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** The pipes the opener hands out, one per attempt that succeeds. */
    private final BlockingQueue<Pipe> connections = new LinkedBlockingQueue<>();

    private final SharedPipe pipe = new SharedPipe("orders", Transport.FIFO);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class);

    @AfterEach
    void close() {
        this.pipe.close();
    }

    @Test
    void aWriteAfterThePeerLeftIsReportedAndTheNextWriteGoesOnceToTheNextConnection() throws Exception {
        PipePair first = connection();
        connect(Duration.ofSeconds(10), new FixedBackOff(10));
        this.pipe.write("one");
        assertThat(first.right().readString(WAIT)).isEqualTo("one");

        first.right().close();
        assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> this.pipe.write("in flight"));
        assertThat(this.pipe.state()).isEqualTo(SharedPipe.State.RECONNECTING);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> this.pipe.write("two"));
        PipePair second = connection();

        waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(second.right().readString(WAIT)).isEqualTo("two");
        assertThat(second.right().size()).as("the failed write is not written again").isZero();
        assertThat(this.pipe.state()).isEqualTo(SharedPipe.State.OPEN);
        await("the lost connection, which nobody reads, closed").atMost(WAIT).until(() -> !first.left().isOpen());
    }

    @Test
    void aWriteWhileNoPeerIsThereWaitsTheWriteTimeoutAndSaysThePipeWaitsForItsPeer() {
        connect(Duration.ofMillis(100), new FixedBackOff(10));

        assertThatExceptionOfType(PipeTimeoutException.class).isThrownBy(() -> this.pipe.write("anyone?"))
                .withMessageStartingWith("pipe 'orders' is waiting for its peer (test peer 'orders'): nothing was written"
                        + " within 100ms (write-timeout); it is connecting (attempt ")
                .withMessageContaining("last failure: no connection offered");
    }

    @Test
    void aWriteWhileReconnectingSaysSo() {
        PipePair first = connection();
        connect(Duration.ofMillis(100), new FixedBackOff(10));
        await().atMost(WAIT).until(() -> this.pipe.state() == SharedPipe.State.OPEN);
        first.right().close();
        assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> this.pipe.write("in flight"));

        assertThatExceptionOfType(PipeTimeoutException.class).isThrownBy(() -> this.pipe.write("anyone?"))
                .withMessageContaining("is waiting for its peer (test peer 'orders')")
                .withMessageContaining("it is reconnecting");
    }

    @Test
    void whatTheDepartedPeerWroteIsReadBeforeWhatTheNextOneWrites() {
        PipeInboundChannelAdapter adapter = unstartedAdapter();
        this.runner.withBean("in", QueueChannel.class).withBean("adapter", PipeInboundChannelAdapter.class, () -> adapter)
                .run((context) -> {
                    PipePair first = connection();
                    connect(Duration.ofSeconds(10), new FixedBackOff(10));
                    await().atMost(WAIT).until(() -> this.pipe.state() == SharedPipe.State.OPEN);
                    // The write finds the peer gone first; the next connection is open before "a" and "b" are read.
                    departsAfterWriting(first, "a", "b");
                    PipePair second = nextConnectionWriting("c");

                    adapter.start();

                    QueueChannel in = context.getBean("in", QueueChannel.class);
                    assertThat(payloads(in, 3)).containsExactly("a", "b", "c");
                    this.pipe.write("d");
                    assertThat(second.right().readString(WAIT)).isEqualTo("d");
                });
    }

    @Test
    void connectionsLostOneAfterAnotherBeforeBeingReadAreEachReadToTheirEndInTurn() {
        PipeInboundChannelAdapter adapter = unstartedAdapter();
        this.runner.withBean("in", QueueChannel.class).withBean("adapter", PipeInboundChannelAdapter.class, () -> adapter)
                .run((context) -> {
                    PipePair first = connection();
                    connect(Duration.ofSeconds(10), new FixedBackOff(10));
                    await().atMost(WAIT).until(() -> this.pipe.state() == SharedPipe.State.OPEN);
                    departsAfterWriting(first, "a", "b");
                    // The second peer leaves too, while the first connection is still unread.
                    departsAfterWriting(nextConnectionWriting("c"));
                    PipePair third = nextConnectionWriting("d");

                    adapter.start();

                    QueueChannel in = context.getBean("in", QueueChannel.class);
                    assertThat(payloads(in, 4)).containsExactly("a", "b", "c", "d");
                    this.pipe.write("e");
                    assertThat(third.right().readString(WAIT)).isEqualTo("e");
                });
    }

    private PipeInboundChannelAdapter unstartedAdapter() {
        PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.pipe);
        adapter.setOutputChannelName("in");
        adapter.setAutoStartup(false);
        return adapter;
    }

    /** The peer of {@code connection} writes, then leaves; this side's next write finds it gone. */
    private void departsAfterWriting(PipePair connection, String... messages) {
        for (String message : messages) {
            connection.right().write(message);
        }
        connection.right().close();
        assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> this.pipe.write("lost"));
    }

    /** The next connection opens, and its peer writes at once. */
    private PipePair nextConnectionWriting(String message) {
        PipePair next = connection();
        next.right().write(message);
        await().atMost(WAIT).until(() -> this.pipe.state() == SharedPipe.State.OPEN);
        return next;
    }

    @Test
    void aRequestInFlightWhenThePeerLeavesFailsItsCallerAndTheGatewayWorksOnTheNextConnection() {
        PipeOutboundGateway gateway = new PipeOutboundGateway(this.pipe);
        gateway.setReplyTimeout(Duration.ofMinutes(5));
        this.runner.withBean(PipeOutboundGateway.class, () -> gateway).run((context) -> {
            PipePair first = connection();
            connect(Duration.ofSeconds(10), new FixedBackOff(10));
            gateway.start();
            CompletableFuture.runAsync(() -> {
                first.right().read(WAIT);
                first.right().close();
            });

            assertThatExceptionOfType(MessageHandlingException.class)
                    .isThrownBy(() -> gateway.handleMessage(MessageBuilder.withPayload("lost?").build()))
                    .withMessageContaining("ended before the reply");

            PipePair second = connection();
            CompletableFuture.runAsync(() -> {
                io.pipc.Envelope request = second.right().readEnvelope(WAIT);
                second.right().write(new io.pipc.Envelope("echo".getBytes(), request.correlationId(), null));
            });
            QueueChannel replies = new QueueChannel();
            gateway.setOutputChannel(replies);
            gateway.handleMessage(MessageBuilder.withPayload("again").build());
            Message<?> reply = replies.receive(WAIT.toMillis());
            assertThat(reply).isNotNull();
            assertThat((byte[]) reply.getPayload()).isEqualTo("echo".getBytes());
        });
    }

    @Test
    void awaitOpenWaitsForTheConnectionAndSaysWhetherOneCame() throws Exception {
        connect(Duration.ofSeconds(10), new FixedBackOff(10));
        assertThat(this.pipe.awaitOpen(Duration.ofMillis(50))).isFalse();

        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> this.pipe.awaitOpen(WAIT));
        connection();

        assertThat(waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(this.pipe.isOpen()).isTrue();
    }

    @Test
    void whenTheBackOffSaysStopThePipeFailedAndAWriteSaysItGaveUp() {
        connect(Duration.ofSeconds(10), new FixedBackOff(1, 2));

        await().atMost(WAIT).until(() -> this.pipe.state() == SharedPipe.State.FAILED);
        assertThat(this.pipe.attempts()).isEqualTo(3);
        assertThatExceptionOfType(PipeException.class).isThrownBy(() -> this.pipe.write("anyone?"))
                .withMessageContaining("gave up opening again: no connection offered");
    }

    @Test
    void closeEndsTheAttemptsAndFailsAWaitingWrite() throws Exception {
        connect(Duration.ofSeconds(20), new FixedBackOff(10));
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> this.pipe.write("never"));
        await().atMost(WAIT).until(() -> this.pipe.attempts() > 1);

        this.pipe.close();

        assertThat(waiting).failsWithin(WAIT).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(PipeClosedException.class);
        PipePair late = connection();
        assertThat(this.pipe.state()).isEqualTo(SharedPipe.State.CLOSED);
        assertThat(late.left().isOpen()).as("not taken").isTrue();
    }

    private void connect(Duration writeTimeout, BackOff backOff) {
        this.pipe.connectInBackground(new Reconnection("test peer 'orders'", this::nextConnection, backOff,
                writeTimeout));
    }

    private Pipe nextConnection() {
        try {
            Pipe next = this.connections.poll(20, TimeUnit.MILLISECONDS);
            if (next == null) {
                throw new PipeTimeoutException("no connection offered");
            }
            return next;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new PipeException("interrupted", ex);
        }
    }

    /** @return a pair whose left end the opener hands out next */
    private PipePair connection() {
        PipePair pair = Pipes.pair();
        this.connections.add(pair.left());
        return pair;
    }

    private static java.util.List<String> payloads(QueueChannel channel, int count) {
        java.util.List<String> payloads = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Message<?> message = channel.receive(WAIT.toMillis());
            assertThat(message).as("message %d", i).isNotNull();
            Object payload = message.getPayload();
            payloads.add((payload instanceof byte[] bytes) ? new String(bytes) : String.valueOf(payload));
        }
        return payloads;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
