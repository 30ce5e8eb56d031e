package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.transport.socket.SocketServer;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A poller's thread reads the TCP pipes added to it itself, and gives them back to their event loop. */
@Timeout(30)
class PollerSocketTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Poller poller = Pipes.poller();
    private final PipeServer server;
    private final Pipe client;
    private final Pipe accepted;
    /** The threads that made the accepted pipe ready: whoever put a message in its queue. */
    private final List<Thread> signallers = new CopyOnWriteArrayList<>();

    PollerSocketTest() {
        server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = Pipes.connect(server.address());
        accepted = server.accept(Duration.ofSeconds(10));
        accepted.readiness().register(() -> signallers.add(Thread.currentThread()));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        poller.close();
        client.close();
        accepted.close();
        server.close();
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void theThreadThatPollsReadsAPipeItself() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        client.write("one");
        assertThat(poller.poll(Duration.ofSeconds(10))).containsExactly(accepted);
        client.write("two");
        while (accepted.size() < 2) {
            assertThat(poller.poll(Duration.ofSeconds(10))).containsExactly(accepted);
        }

        assertThat(accepted.pending()).extracting(String::new).containsExactly("one", "two");
        assertThat(signallers).isNotEmpty().containsOnly(Thread.currentThread());
    }

    @Test
    void aRepliedMessageLeavesFromThePollingThreadAndTheClientGetsIt() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        for (int i = 0; i < 100; i++) {
            client.write("m" + i);
            assertThat(poller.poll(Duration.ofSeconds(10))).containsExactly(accepted);
            for (byte[] message : accepted.pending()) {
                accepted.write(message);
            }
            assertThat(client.readString(Duration.ofSeconds(10))).isEqualTo("m" + i);
        }
    }

    @Test
    void aPipeRemovedFromThePollerIsReadByItsEventLoopAgain() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        poller.remove(accepted);
        client.write("after");

        // Nobody polls: only the event loop can have read it. It signals the readiness after
        // the message is readable, so the read may return first.
        assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("after");
        await().until(() -> !signallers.isEmpty());
        assertThat(signallers).doesNotContain(Thread.currentThread());
    }

    @Test
    void closingThePollerGivesItsPipesBackToTheirEventLoop() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        poller.close();
        client.write("after");

        // The event loop signals the readiness after the message is readable: the read may return first.
        assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("after");
        await().until(() -> !signallers.isEmpty());
        assertThat(signallers).doesNotContain(Thread.currentThread());
    }

    @Test
    void aPipeAddedAgainAfterItsRemovalIsReadByThePollingThreadAgain() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));
        poller.remove(accepted);
        await().until(() -> !poller.readsItself(accepted));

        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));
        signallers.clear();
        client.write("again");

        assertThat(poller.poll(Duration.ofSeconds(10))).containsExactly(accepted);
        assertThat(accepted.readString()).isEqualTo("again");
        assertThat(signallers).isNotEmpty().containsOnly(Thread.currentThread());
    }

    @Test
    void aPipeClosedByAnotherThreadWhileThePollWaitsEndsItsConnection() throws Exception {
        SocketServer socketServer = (SocketServer) server;
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));
        Future<List<Selectable>> poll = threads.submit(() -> poller.poll(Duration.ofMinutes(1)));
        await().until(poller::isPolling);

        accepted.close();

        // A closed pipe is ready; its connection ends once the peer answers the goodbye, all run by the owner.
        assertThat(poll.get(10, TimeUnit.SECONDS)).containsExactly(accepted);
        assertThatThrownBy(() -> client.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
        // Still in the poller, which nobody polls now: its event loop ends the connection.
        client.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> socketServer.connections() == 0);
        assertThat(poller.readsItself(accepted)).isFalse();
        assertThat(poller.poll(Duration.ZERO)).containsExactly(accepted);
    }

    @Test
    void aClientThatSendsFasterThanThePollingThreadReadsIsHeldBackAndLosesNothing() throws Exception {
        poller.close();
        int capacity = 16;
        int messages = 2_000;
        PipeOptions small = PipeOptions.builder().queueCapacity(capacity, 1024 * 1024).build();
        try (PipeServer bounded = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), small);
                Pipe sender = Pipes.connect(bounded.address());
                Poller reader = Pipes.poller()) {
            Pipe pipe = bounded.accept(Duration.ofSeconds(10));
            reader.add(pipe);
            await().until(() -> reader.readsItself(pipe));
            Future<?> sending = threads.submit(() -> {
                byte[] payload = new byte[1024];
                for (int i = 0; i < messages; i++) {
                    payload[0] = (byte) i;
                    payload[1] = (byte) (i >> 8);
                    sender.write(payload);
                }
            });

            // Polled without being read: the queue fills to its bound and the reading stops there.
            while (pipe.size() < capacity) {
                assertThat(reader.poll(Duration.ofSeconds(10))).containsExactly(pipe);
            }
            assertThat(reader.poll(Duration.ZERO)).containsExactly(pipe);
            assertThat(pipe.size()).isEqualTo(capacity);

            int received = 0;
            while (received < messages) {
                reader.poll(Duration.ofSeconds(10));
                for (byte[] message : pipe.pending()) {
                    assertThat((message[0] & 0xff) | (message[1] & 0xff) << 8).isEqualTo(received & 0xffff);
                    received++;
                }
            }
            sending.get(10, TimeUnit.SECONDS);
            pipe.close();
        }
    }

    @Test
    void aPipeInAPollerNobodyPollsKeepsSendingHeartbeatsAndDoesNotJudgeItsPeerByItsOwnSilence() {
        // Long enough that a loop held up for a moment on a busy machine (three intervals) is not a dead peer.
        Duration heartbeat = Duration.ofMillis(500);
        PipeOptions options = PipeOptions.builder().heartbeat(heartbeat).build();
        try (PipeServer beating = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
                Pipe peer = Pipes.connect(beating.address(), options);
                Poller idle = Pipes.poller()) {
            Pipe pipe = beating.accept(Duration.ofSeconds(10));
            idle.add(pipe);
            await().until(() -> idle.readsItself(pipe));

            // Five silent intervals with nobody polling: the peer hears heartbeats, and is not taken for dead.
            assertThatThrownBy(() -> peer.read(heartbeat.multipliedBy(5))).isInstanceOf(PipeTimeoutException.class);
            peer.write("still here");

            assertThat(idle.poll(Duration.ofSeconds(10))).containsExactly(pipe);
            assertThat(pipe.readString()).isEqualTo("still here");
            pipe.close();
        }
    }

    @Test
    void aPipeWhosePeerWentAwayIsReadyAndReadsTheEnd() throws Exception {
        poller.close();
        PipeOptions python = PipeOptions.builder().wire(Wire.PYTHON).build();
        try (PipeServer raw = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), python);
                Poller reader = Pipes.poller()) {
            InetSocketAddress address = (InetSocketAddress) raw.address();
            Pipe pipe;
            try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                pipe = raw.accept(Duration.ofSeconds(10));
                reader.add(pipe);
                await().until(() -> reader.readsItself(pipe));
                socket.getOutputStream().write(new byte[] {0, 0, 0, 2, 'h', 'i'});
                assertThat(reader.poll(Duration.ofSeconds(10))).containsExactly(pipe);
                assertThat(pipe.readString()).isEqualTo("hi");
                pipe.write("yo");
                DataInputStream in = new DataInputStream(socket.getInputStream());
                assertThat(in.readInt()).isEqualTo(2);
                assertThat(new String(in.readNBytes(2))).isEqualTo("yo");
            }
            assertThat(reader.poll(Duration.ofSeconds(10))).containsExactly(pipe);
            assertThatThrownBy(() -> pipe.read(Duration.ZERO)).isInstanceOf(PeerClosedException.class);
            pipe.close();
        }
    }

    @Test
    void aBlockingReadOnAPipeInAPollerNobodyPollsGetsItsMessageAndThePipeGoesBackToThePoller() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        // The thread that would poll reads instead: nobody polls while it waits.
        client.write("while reading");
        assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("while reading");
        await().until(() -> poller.readsItself(accepted));

        client.write("polled");
        assertThat(poller.poll(Duration.ofSeconds(10))).containsExactly(accepted);
        assertThat(accepted.readString()).isEqualTo("polled");
    }

    @Test
    void aPipeInAPollerGoesToItsEventLoopWhileAnotherThreadWaitsInARead() throws Exception {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        Future<String> reading = threads.submit(() -> accepted.readString(Duration.ofSeconds(20)));
        // Its wait sends the pipe home, where its event loop reads it although nobody polls.
        await().until(() -> !poller.readsItself(accepted));
        client.write("to the waiting reader");

        assertThat(reading.get(10, TimeUnit.SECONDS)).isEqualTo("to the waiting reader");
        await().until(() -> poller.readsItself(accepted));
    }

    @Test
    void closingThePollerWhileAnotherThreadPollsLetsGoOfItsSelectorEveryTime() throws Exception {
        ConditionFactory soon = await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
        for (int i = 0; i < 40; i++) {
            Poller racing = Pipes.poller();
            racing.add(accepted);
            soon.until(() -> racing.readsItself(accepted));
            Future<List<Selectable>> poll = threads.submit(() -> racing.poll(Duration.ofSeconds(20)));
            if (i % 2 == 0) {
                soon.until(racing::isPolling);
            }

            racing.close();

            try {
                poll.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PipeClosedException.class);
            }
            soon.atMost(Duration.ofSeconds(10)).until(() -> !racing.holdsASelector());
        }
        // Home again, and read there.
        client.write("after forty pollers");
        assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("after forty pollers");
    }

    @Test
    void aPipeThatDisconnectsWhileItsSocketIsFullFinishesOnItsEventLoopAndTheOthersAreStillServed() throws Exception {
        poller.close();
        int messages = 2_000;
        PipeOptions small = PipeOptions.builder().queueCapacity(4, 64 * 1024).build();
        SocketServer socketServer = (SocketServer) server;
        try (Pipe slow = Pipes.connect(server.address(), small); Poller serving = Pipes.poller()) {
            Pipe pipe = server.accept(Duration.ofSeconds(10));
            serving.add(pipe);
            serving.add(accepted);
            await().until(() -> serving.readsItself(pipe) && serving.readsItself(accepted));
            Future<?> writing = threads.submit(() -> {
                byte[] payload = new byte[8 * 1024];
                for (int i = 0; i < messages; i++) {
                    payload[0] = (byte) i;
                    pipe.write(payload);
                }
                pipe.disconnect("done");
            });
            // The slow peer reads nothing yet: the socket fills and its event loop waits for room.
            await().until(() -> !serving.readsItself(pipe));

            for (int i = 0; i < messages; i++) {
                assertThat(slow.read(Duration.ofSeconds(10))[0]).isEqualTo((byte) i);
            }
            assertThatThrownBy(() -> slow.read(Duration.ofSeconds(10))).isInstanceOf(PeerDisconnectedException.class);
            writing.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> socketServer.connections() == 1);

            // The polling thread still serves the other pipe, which never left it.
            client.write("still served");
            assertThat(serving.poll(Duration.ofSeconds(10))).contains(accepted);
            assertThat(accepted.readString()).isEqualTo("still served");
            accepted.write("answer");
            assertThat(client.readString(Duration.ofSeconds(10))).isEqualTo("answer");
        }
    }

    @Test
    void aFrameHalfReadBeforeAStretchWithoutPollsIsNotTakenForAStalledPeer() throws Exception {
        poller.close();
        Duration frameTimeout = Duration.ofSeconds(1);
        PipeOptions python = PipeOptions.builder().wire(Wire.PYTHON).frameTimeout(frameTimeout).build();
        try (PipeServer raw = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), python);
                Poller reader = Pipes.poller()) {
            InetSocketAddress address = (InetSocketAddress) raw.address();
            try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                Pipe pipe = raw.accept(Duration.ofSeconds(10));
                reader.add(pipe);
                await().until(() -> reader.readsItself(pipe));
                socket.getOutputStream().write(new byte[] {0, 0, 0, 5, 'h', 'e'});
                // The poll reads the half frame, then nobody polls for twice the frame timeout.
                assertThat(reader.poll(Duration.ofMillis(100))).isEmpty();
                assertThatThrownBy(() -> client.read(frameTimeout.multipliedBy(2))).isInstanceOf(PipeTimeoutException.class);
                // Polled again: the time nobody read is not held against the peer.
                assertThat(reader.poll(Duration.ofMillis(100))).isEmpty();
                socket.getOutputStream().write(new byte[] {'l', 'l', 'o'});

                assertThat(reader.poll(Duration.ofSeconds(10))).containsExactly(pipe);
                assertThat(pipe.readString()).isEqualTo("hello");
                pipe.close();
            }
        }
    }

    @Test
    void aPeerStalledInAFrameIsFoundOutByAPollerWhoseThreadAlsoWorksBetweenPolls() throws Exception {
        poller.close();
        Duration frameTimeout = Duration.ofMillis(500);
        PipeOptions python = PipeOptions.builder().wire(Wire.PYTHON).frameTimeout(frameTimeout).build();
        try (PipeServer raw = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), python);
                Poller reader = Pipes.poller()) {
            InetSocketAddress address = (InetSocketAddress) raw.address();
            try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                Pipe pipe = raw.accept(Duration.ofSeconds(10));
                reader.add(pipe);
                await().until(() -> reader.readsItself(pipe));
                socket.getOutputStream().write(new byte[] {0, 0, 0, 5, 'h', 'e'});

                // Half the time polling, half the time at other work (a wait on another pipe stands for it).
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                List<Selectable> ready = List.of();
                while (ready.isEmpty() && System.nanoTime() < deadline) {
                    ready = reader.poll(Duration.ofMillis(60));
                    if (ready.isEmpty()) {
                        assertThatThrownBy(() -> client.read(Duration.ofMillis(60))).isInstanceOf(PipeTimeoutException.class);
                    }
                }

                assertThat(ready).containsExactly(pipe);
                assertThatThrownBy(() -> pipe.read(Duration.ZERO)).isInstanceOf(PeerClosedException.class)
                        .hasMessageContaining("stalled in the middle of a frame");
                pipe.close();
            }
        }
    }

    @Test
    void aSelectOnAWrapperOfAPipeInAPollerNobodyPollsSeesItsMessage() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));
        TypedPipe<String> typed = accepted.typed(io.pipc.codec.Codecs.string());

        client.write("typed");

        assertThat(Pipes.select(List.of(typed), Duration.ofSeconds(10))).containsExactly(typed);
        assertThat(typed.read(Duration.ZERO)).isEqualTo("typed");
    }

    @Test
    void aSelectOnAPipeInAPollerNobodyPollsSeesItsMessage() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));

        client.write("selected");

        assertThat(Pipes.select(List.of(accepted), Duration.ofSeconds(10))).containsExactly(accepted);
        assertThat(accepted.readString(Duration.ZERO)).isEqualTo("selected");
        await().until(() -> poller.readsItself(accepted));
    }

    @Test
    void aPipeInTwoPollersIsSeenByTheSecondWhileTheFirstIsNotPolled() {
        poller.add(accepted);
        await().until(() -> poller.readsItself(accepted));
        try (Poller second = Pipes.poller()) {
            second.add(accepted);
            await().until(() -> !poller.readsItself(accepted));

            client.write("second");

            assertThat(second.poll(Duration.ofSeconds(10))).containsExactly(accepted);
            assertThat(accepted.readString(Duration.ZERO)).isEqualTo("second");
            assertThat(second.readsItself(accepted)).isFalse();
        }
        // The second poller let go: the first one's thread reads it again.
        await().until(() -> poller.readsItself(accepted));
    }

    @Test
    void aPeerThatClosesWhileThePolledPipesSocketIsFullEndsThePipeOnItsEventLoop() throws Exception {
        poller.close();
        PipeOptions small = PipeOptions.builder().queueCapacity(4, 64 * 1024).build();
        SocketServer socketServer = (SocketServer) server;
        Pipe slow = Pipes.connect(server.address(), small);
        try (Poller serving = Pipes.poller()) {
            Pipe pipe = server.accept(Duration.ofSeconds(10));
            serving.add(pipe);
            serving.add(accepted);
            await().until(() -> serving.readsItself(pipe) && serving.readsItself(accepted));
            Future<?> writing = threads.submit(() -> {
                byte[] payload = new byte[8 * 1024];
                while (true) {
                    pipe.write(payload);
                }
            });
            // The slow peer reads nothing: the socket fills and its event loop waits for room.
            await().until(() -> !serving.readsItself(pipe));

            slow.close();

            assertThatThrownBy(() -> writing.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeException.class);
            // This thread polls on: the ended pipe is ready and reads its end, the other one is served as before.
            client.write("still served");
            boolean served = false;
            boolean ended = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(served && ended)) {
                assertThat(System.nanoTime() - deadline).as("polled for 10 s: served %s, ended %s", served, ended).isNegative();
                for (Selectable ready : serving.poll(Duration.ofMillis(100))) {
                    if (ready == accepted) {
                        assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("still served");
                        accepted.write("answer");
                        served = true;
                    } else if (ready == pipe) {
                        assertThatThrownBy(() -> pipe.read(Duration.ZERO)).isInstanceOf(PipeException.class);
                        serving.remove(pipe);
                        ended = true;
                    }
                }
            }
            assertThat(client.readString(Duration.ofSeconds(10))).isEqualTo("answer");
            pipe.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> socketServer.connections() == 1);
        }
    }
}
