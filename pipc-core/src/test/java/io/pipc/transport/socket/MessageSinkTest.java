package io.pipc.transport.socket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.pipc.AuthenticationException;
import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.transport.FramedPipe;
import io.pipc.testing.CloseAll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A server whose clients' messages go straight to a sink, on their loops, instead of queues. */
@Timeout(60)
class MessageSinkTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        CloseAll.of(toClose);
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Takes every message while open, and remembers what it was given and told. */
    private static final class Recording implements MessageSink {
        final Map<Pipe, List<Integer>> received = new ConcurrentHashMap<>();
        final Map<Pipe, PipeException> endings = new ConcurrentHashMap<>();
        final Map<Pipe, Runnable> resumers = new ConcurrentHashMap<>();
        final List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        final AtomicBoolean open = new AtomicBoolean(true);

        @Override
        public void attached(Pipe pipe, Runnable resume) {
            resumers.put(pipe, resume);
        }

        @Override
        public int offer(Pipe pipe, List<Envelope> batch) {
            onLoop.add(Thread.currentThread().getName().startsWith("pipc-loop-"));
            if (!open.get()) {
                return 0;
            }
            List<Integer> mine = received.computeIfAbsent(pipe, p -> new CopyOnWriteArrayList<>());
            for (Envelope message : batch) {
                mine.add(ByteBuffer.wrap(message.payload()).getInt());
            }
            return batch.size();
        }

        @Override
        public void ended(Pipe pipe, PipeException ending) {
            endings.put(pipe, ending);
        }

        int total() {
            return received.values().stream().mapToInt(List::size).sum();
        }
    }

    private PipeServer server(MessageSink sink) {
        PipeServer server = Pipes.server(ANY_PORT, PipeOptions.builder().messageSink(sink).build());
        toClose.add(server);
        return server;
    }

    private Pipe client(PipeServer server) {
        Pipe client = Pipes.connect(server.address());
        toClose.add(client);
        return client;
    }

    private static byte[] number(int n) {
        return ByteBuffer.allocate(4).putInt(n).array();
    }

    @Test
    void eachClientsMessagesReachTheSinkInOrderOnTheLoopAndTheSinkAnswersThroughThePipe() throws Exception {
        Recording sink = new Recording();
        PipeServer server = server(sink);
        Pipe first = client(server);
        Pipe second = client(server);

        for (int i = 0; i < 500; i++) {
            first.write(number(i));
            second.write(number(i));
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> sink.total() == 1000);
        assertThat(sink.received).hasSize(2).allSatisfy((pipe, numbers) -> assertThat(numbers).isSorted().hasSize(500));
        assertThat(sink.onLoop).containsOnly(true);
        Pipe serverSide = sink.received.keySet().iterator().next();
        serverSide.write("answer");
        List<io.pipc.Selectable> ready = Pipes.select(List.of(first, second), Duration.ofSeconds(10));
        assertThat(ready).hasSize(1);
        assertThat(((Pipe) ready.get(0)).readString(Duration.ofSeconds(5))).isEqualTo("answer");
    }

    @Test
    void aSinkThatTakesNothingStopsTheReadingUntilResumedAndNothingIsLost() throws Exception {
        Recording sink = new Recording();
        sink.open.set(false);
        PipeServer server = server(sink);
        Pipe client = client(server);
        int count = 50_000;
        Future<?> writer = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                client.write(Envelope.of(ByteBuffer.allocate(1000).putInt(i).array()));
            }
        });

        // Nothing taken, the socket unread, the buffers on the way full: the client's writer waits.
        await().atMost(Duration.ofSeconds(30)).until(() -> ((FramedPipe) client).writersWaitingForRoom() > 0);
        assertThat(sink.total()).isZero();

        sink.open.set(true);
        sink.resumers.values().forEach(Runnable::run);

        writer.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.total() == count);
        assertThat(sink.received.values().iterator().next()).isSorted();
    }

    @Test
    void aReplyWrittenAfterTheSinkTookTheRequestLeavesFromItsWritersThreadNotTheLoop() throws Exception {
        // As a gateway's handler answers: on a thread of its own, once the sink has handed the request over.
        AtomicReference<Pipe> serverSide = new AtomicReference<>();
        MessageSink answering = new MessageSink() {
            @Override
            public void attached(Pipe pipe, Runnable resume) {
                serverSide.set(pipe);
            }

            @Override
            public int offer(Pipe pipe, List<Envelope> batch) {
                for (Envelope request : batch) {
                    threads.execute(() -> pipe.write(request.payload()));
                }
                return batch.size();
            }

            @Override
            public void ended(Pipe pipe, PipeException ending) {
            }
        };
        PipeServer server = server(answering);
        Pipe client = client(server);

        for (int i = 0; i < 200; i++) {
            client.write(number(i));
            assertThat(ByteBuffer.wrap(client.read(Duration.ofSeconds(10))).getInt()).isEqualTo(i);
        }

        // Each reply answers a request the application took, as a read() takes one: no hop to the loop.
        assertThat(((SocketPipe) serverSide.get()).flushesLeftToTheLoop()).isZero();
    }

    @Test
    void theSinkHearsOfTheEndAfterTheLastMessage() throws Exception {
        Recording sink = new Recording();
        AtomicReference<Integer> receivedWhenEnded = new AtomicReference<>();
        MessageSink watching = new MessageSink() {
            @Override
            public void attached(Pipe pipe, Runnable resume) {
                sink.attached(pipe, resume);
            }

            @Override
            public int offer(Pipe pipe, List<Envelope> batch) {
                return sink.offer(pipe, batch);
            }

            @Override
            public void ended(Pipe pipe, PipeException ending) {
                receivedWhenEnded.set(sink.total());
                sink.ended(pipe, ending);
            }
        };
        PipeServer server = server(watching);
        Pipe client = client(server);
        for (int i = 0; i < 100; i++) {
            client.write(number(i));
        }

        client.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> !sink.endings.isEmpty());
        assertThat(receivedWhenEnded).hasValue(100);
        assertThat(sink.endings.values()).singleElement().isInstanceOf(PeerClosedException.class);
    }

    @Test
    void aClientWhoseHandshakeFailedNeverReachesTheSink() throws Exception {
        Recording sink = new Recording();
        byte[] secret = "the right one".getBytes(StandardCharsets.UTF_8);
        PipeServer server = Pipes.server(ANY_PORT, PipeOptions.builder().messageSink(sink).secret(secret).build());
        toClose.add(server);

        assertThatThrownBy(() -> Pipes.connect(server.address(),
                PipeOptions.builder().secret("a wrong one".getBytes(StandardCharsets.UTF_8)).build()))
                .isInstanceOf(AuthenticationException.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.authenticationFailures() == 1);
        Pipe good = Pipes.connect(server.address(), PipeOptions.builder().secret(secret).build());
        good.write(number(7));
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.total() == 1);
        good.close();

        await().atMost(Duration.ofSeconds(20)).until(() -> !sink.endings.isEmpty());
        assertThat(sink.endings).hasSize(1).containsOnlyKeys(sink.received.keySet());
        assertThat(sink.resumers).hasSize(1);
    }

    @Test
    void transportsWithoutASinkRefuseOptionsThatHaveOne() {
        PipeOptions withSink = PipeOptions.builder().messageSink(new Recording()).build();

        assertThatThrownBy(() -> Pipes.pair(withSink)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in-process pipes have no message sink");
        assertThatThrownBy(() -> Pipes.named("jobs", withSink)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("named pipes");
    }
}
