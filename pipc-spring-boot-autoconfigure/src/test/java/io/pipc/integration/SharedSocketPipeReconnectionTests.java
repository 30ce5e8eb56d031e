package io.pipc.integration;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.util.backoff.FixedBackOff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@link SharedPipe} over TCP that heals, whose connections hand their messages to its sink on
 * their event loop: connections that end before they are handed over, that are lost while their
 * reading is paused, and a shutdown while the peer comes and goes.
 */
@Timeout(60)
class SharedSocketPipeReconnectionTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Its write timeout bounds how long a closing peer lingers for this side's goodbye, so a write soon meets the reset. */
    private final PipeServer server = Pipes.server(new InetSocketAddress("127.0.0.1", 0),
            PipeOptions.builder().writeTimeout(Duration.ofMillis(300)).build());

    private final SharedPipe shared = new SharedPipe("orders", Transport.TCP);

    /** The server's end of each connection the opener made, in order. */
    private final BlockingQueue<Pipe> peers = new LinkedBlockingQueue<>();

    private final AtomicInteger attempts = new AtomicInteger();

    /** What the inbound endpoint handled, in order. */
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    /** The inbound endpoint's handler waits for this before its first message. */
    private final CountDownLatch handlerReleased = new CountDownLatch(1);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(IntegrationConfiguration.class)
            .withBean("in", DirectChannel.class, () -> {
                DirectChannel channel = new DirectChannel();
                channel.subscribe((message) -> {
                    awaitLatch(this.handlerReleased, Duration.ofSeconds(45));
                    this.received.add(new String((byte[]) message.getPayload(), StandardCharsets.UTF_8));
                });
                return channel;
            })
            .withBean("adapter", PipeInboundChannelAdapter.class, () -> {
                PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(this.shared);
                adapter.setOutputChannelName("in");
                return adapter;
            })
            .withBean("gateway", PipeOutboundGateway.class, () -> {
                PipeOutboundGateway gateway = new PipeOutboundGateway(this.shared);
                gateway.setReplyTimeout(Duration.ofMinutes(5));
                gateway.setOutputChannel(new QueueChannel());
                return gateway;
            });

    @AfterEach
    void close() {
        this.handlerReleased.countDown();
        this.shared.close();
        this.server.close();
    }

    @Test
    void aConnectionWhosePeerLeavesWhileItOpensIsOpenedAgainWithoutWaitingForAWrite() {
        this.runner.run((context) -> {
            this.handlerReleased.countDown();
            CountDownLatch firstEnded = new CountDownLatch(1);
            connect((attempt, sink) -> {
                if (attempt > 1) {
                    return sink;
                }
                return new ObservedSink(sink, firstEnded);
            }, (attempt, peer) -> {
                if (attempt == 1) {
                    // The peer leaves at once; the connector hands the connection over only after its loop saw that.
                    peer.close();
                    awaitLatch(firstEnded);
                }
            });

            Pipe first = this.peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            Pipe second = this.peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(first).isNotNull();
            assertThat(second).as("the connection lost while opening was opened again, with nothing written").isNotNull();
            await().atMost(WAIT).until(() -> this.shared.state() == SharedPipe.State.OPEN);
            second.write("after");
            assertThat(this.received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("after");
        });
    }

    @Test
    void aConnectionLostWhilePausedHandsOverWhatItTookBeforeTheNextAndFailsOnlyItsOwnRequests() {
        this.runner.run((context) -> {
            Pipe first = connectPlainly();
            PipeOutboundGateway gateway = context.getBean(PipeOutboundGateway.class);
            CompletableFuture<Void> toFirst = request(gateway, "to first");
            assertThat(first.readString(WAIT)).isEqualTo("to first");

            // The handler holds the first message, the sink holds two more, the rest waits in the connection.
            for (int i = 0; i < 10; i++) {
                first.write("a" + i);
            }
            first.close();
            // The departure reaches this side as a reset: met by a write, or by the loop; either way it reopens.
            await("the pipe opened again").atMost(WAIT).until(() -> {
                writeFails();
                return !this.peers.isEmpty();
            });
            Pipe second = this.peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(second).isNotNull();
            await().atMost(WAIT).until(() -> this.shared.state() == SharedPipe.State.OPEN);
            second.write("b0");
            CompletableFuture<Void> toSecond = request(gateway, "to second");
            Envelope secondRequest = second.readEnvelope(WAIT);
            while (secondRequest.correlationId() == null) {
                // A probe that reached the next connection.
                secondRequest = second.readEnvelope(WAIT);
            }

            this.handlerReleased.countDown();

            // What the sink took (the handler's one and the two it held) comes first, in order, then the next
            // connection's. The reset the write met discarded what the operating system held of the first.
            List<String> handled = takeUntil("b0");
            assertThat(handled.subList(0, 3)).containsExactly("a0", "a1", "a2");
            for (int i = 0; i < handled.size() - 1; i++) {
                assertThat(handled.get(i)).isEqualTo("a" + i);
            }
            assertThat(toFirst).as("its connection ended; the reply timeout is minutes away").failsWithin(WAIT)
                    .withThrowableThat().withMessageContaining("ended before the reply");
            assertThat(toSecond).as("written to the next connection, which is still open").isNotDone();
            second.write(new Envelope(bytes("answer"), secondRequest.correlationId(), null));
            assertThat(toSecond).succeedsWithin(WAIT);
        });
    }

    @Test
    void onceTheInboundEndpointStoppedTheLossOfThePeerIsNoLongerHealed() {
        this.runner.run((context) -> {
            this.handlerReleased.countDown();
            Pipe first = connectPlainly();
            first.write("before");
            assertThat(this.received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("before");

            // The gateway still runs; the inbound adapter's stop asks the peer to stop sending.
            context.getBean(PipeInboundChannelAdapter.class).stop();
            assertThat(this.shared.heals()).as("a departure from now on is not healed").isFalse();
            first.close();
            // Whether this write meets the departure depends on the peer's linger; either way nothing reopens.
            writeFails();

            assertThat(this.shared.state()).as("not reopened during the shutdown").isNotEqualTo(SharedPipe.State.RECONNECTING);
            assertThat(this.attempts).hasValue(1);
        });
    }

    @Test
    void aLateEndAfterTheLastEndpointStoppedStartsNoExecutor() {
        // Only an outbound gateway: its stop does not end the input, so the peer's departure comes after it.
        new ApplicationContextRunner().withUserConfiguration(IntegrationConfiguration.class)
                .withBean("gateway", PipeOutboundGateway.class, () -> new PipeOutboundGateway(this.shared))
                .run((context) -> {
                    CountDownLatch ended = new CountDownLatch(1);
                    connect((attempt, sink) -> new ObservedSink(sink, ended), (attempt, peer) -> {
                    });
                    context.getBean(PipeOutboundGateway.class).start();
                    Pipe first = this.peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(first).isNotNull();
                    await().atMost(WAIT).until(() -> this.shared.state() == SharedPipe.State.OPEN);
                    // No request waits for it: dropped, on a task of the pipe's own executor.
                    first.write("unasked");
                    await().atMost(WAIT).until(() -> LiveThreads.names().stream()
                            .anyMatch((name) -> name.startsWith("pipc-pipe-orders-")));

                    context.getBean(PipeOutboundGateway.class).stop();
                    first.close();
                    awaitLatch(ended);

                    await("the pipe's own executor, shut down at the last stop, is not made again").atMost(WAIT)
                            .until(() -> LiveThreads.names().stream().noneMatch((name) -> name.startsWith("pipc-pipe-orders-")));
                });
    }

    @Test
    void theLossOfAPeerIsPublishedOffTheEventLoop() {
        BlockingQueue<String> publishedOn = new LinkedBlockingQueue<>();
        this.shared.setApplicationEventPublisher((event) -> {
            if (event instanceof PipeConnectionClosedEvent) {
                publishedOn.add(Thread.currentThread().getName());
            }
        });
        this.runner.run((context) -> {
            this.handlerReleased.countDown();
            Pipe first = connectPlainly();

            first.close();

            String thread = publishedOn.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(thread).isNotNull().doesNotStartWith("pipc-loop-");
            assertThat(this.peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("opened again").isNotNull();
        });
    }

    /** @return the server's end of the first connection, once the shared pipe is open over it */
    private Pipe connectPlainly() throws InterruptedException {
        connect((attempt, sink) -> sink, (attempt, peer) -> {
        });
        Pipe first = this.peers.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(first).isNotNull();
        await().atMost(WAIT).until(() -> this.shared.state() == SharedPipe.State.OPEN);
        return first;
    }

    /** Opens the shared pipe in the background, each attempt a TCP connection handing its messages to a sink. */
    private void connect(SinkChoice sinks, PeerAction onAccept) {
        this.shared.connectInBackground(new Reconnection("test server", () -> {
            int attempt = this.attempts.incrementAndGet();
            MessageSink sink = sinks.sinkFor(attempt, java.util.Objects.requireNonNull(this.shared.messageSink()));
            Pipe pipe = Pipes.connect(this.server.address(),
                    PipeOptions.builder().messageSink(sink).queueCapacity(2, 1 << 20).build());
            Pipe peer = this.server.accept(WAIT);
            this.peers.add(peer);
            onAccept.accepted(attempt, peer);
            return pipe;
        }, new FixedBackOff(10), WAIT));
    }

    private static CompletableFuture<Void> request(PipeOutboundGateway gateway, String payload) {
        return CompletableFuture.runAsync(() -> gateway.handleMessage(MessageBuilder.withPayload(bytes(payload)).build()));
    }

    private boolean writeFails() {
        try {
            this.shared.write("probe");
            return false;
        }
        catch (PipeException ex) {
            return true;
        }
    }

    /** @return what the inbound endpoint handled, up to and with {@code last} */
    private List<String> takeUntil(String last) throws InterruptedException {
        List<String> taken = new ArrayList<>();
        while (taken.isEmpty() || !taken.get(taken.size() - 1).equals(last)) {
            String next = this.received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            // What the shared pipe was doing, should it ever come to this: which connection it read, which waited.
            assertThat(next).as("the message after %s (the shared pipe %s after %d connection attempts, to read: %s)",
                    taken, this.shared.state(), this.attempts.get(), this.shared.connectionsToRead()).isNotNull();
            taken.add(next);
        }
        return taken;
    }

    private static void awaitLatch(CountDownLatch latch) {
        awaitLatch(latch, WAIT);
    }

    private static void awaitLatch(CountDownLatch latch, Duration timeout) {
        try {
            assertThat(latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    private interface SinkChoice {

        MessageSink sinkFor(int attempt, MessageSink shared);
    }

    @FunctionalInterface
    private interface PeerAction {

        void accepted(int attempt, Pipe peer);
    }

    /** The shared pipe's sink, and a latch counted down once it heard of the end. */
    private record ObservedSink(MessageSink sink, CountDownLatch ended) implements MessageSink {

        @Override
        public void attached(Pipe pipe, Runnable resume) {
            this.sink.attached(pipe, resume);
        }

        @Override
        public int offer(Pipe pipe, List<Envelope> batch) {
            return this.sink.offer(pipe, batch);
        }

        @Override
        public void ended(Pipe pipe, PipeException ending) {
            this.sink.ended(pipe, ending);
            this.ended.countDown();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
