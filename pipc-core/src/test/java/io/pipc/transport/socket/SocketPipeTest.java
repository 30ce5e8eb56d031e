package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.transport.FramedPipe;
import io.pipc.transport.FramedPipeScenarios;
import io.pipc.transport.HandDrivenPeer;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Selectable;
import io.pipc.Transport;
import io.pipc.wire.WireFormat;
import io.pipc.testing.Allocations;
import io.pipc.testing.CloseAll;

import io.pipc.testing.LogCapture;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The NIO engine, over both socket families. */
@Timeout(60)
class SocketPipeTest {

    enum Family { TCP, UNIX }

    @TempDir
    Path directory;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        try {
            CloseAll.of(toClose);
        } finally {
            threads.shutdownNow();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private SocketAddress addressFor(Family family) {
        return family == Family.TCP ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)
                : UnixDomainSocketAddress.of(directory.resolve("s-" + System.nanoTime() + ".sock"));
    }

    private PipeServer server(Family family, PipeOptions options) {
        PipeServer server = Pipes.server(addressFor(family), options);
        toClose.add(server);
        return server;
    }

    private Pipe connect(PipeServer server, PipeOptions options) {
        Pipe pipe = Pipes.connect(server.address(), options);
        toClose.add(pipe);
        return pipe;
    }

    /** A client and the server's pipe to it. */
    private Pipe[] pair(Family family, PipeOptions serverOptions, PipeOptions clientOptions) throws Exception {
        PipeServer server = server(family, serverOptions);
        Future<Pipe> accepted = threads.submit(() -> server.accept(Duration.ofSeconds(10)));
        Pipe client = connect(server, clientOptions);
        Pipe serverSide = accepted.get(10, TimeUnit.SECONDS);
        toClose.add(serverSide);
        return new Pipe[] {client, serverSide};
    }

    private Pipe[] pair(Family family) throws Exception {
        return pair(family, PipeOptions.defaults(), PipeOptions.defaults());
    }

    /**
     * A request and its reply, each written whole at once by the thread that read before, cost
     * that thread no allocation: no envelope around the payload, no batch, no pool node (the
     * arrays the messages arrive in are made by the loops that read them). Each read finds its
     * message queued already (the thread watches {@code size()}), so no wait allocates either.
     * Counted by the JVM's per-thread counter, the least per round over batches, once compiled.
     */
    @ParameterizedTest
    @EnumSource(Family.class)
    void aRequestAndItsReplyAllocateNothingOnTheThreadThatWritesAndReadsThem(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        byte[] request = new byte[64];

        long perRound = Allocations.leastPerRound(20, 5_000, () -> {
            pipes[0].write(request);
            pipes[1].write(pipes[1].read(whenQueued(pipes[1])));
            pipes[0].read(whenQueued(pipes[0]));
        });

        assertThat(perRound).as("bytes allocated per request and reply on the writing and reading thread")
                .isLessThanOrEqualTo(8);
    }

    /**
     * Spins until a message is queued (10 s at most: a spin does not heed the test's timeout), so
     * that the read after it does not wait: the timeout to give that read.
     */
    private static Duration whenQueued(Pipe pipe) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pipe.size() == 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no message was queued on " + pipe + " within 10 s");
            }
            Thread.onSpinWait();
        }
        return Duration.ZERO;
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void messagesOfEverySizeCrossBothWaysIntact(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        for (int size : new int[] {0, 1, 100, 64 * 1024 - 5, 64 * 1024, 4 * 1024 * 1024}) {
            byte[] message = new byte[size];
            new Random(size).nextBytes(message);
            pipes[0].write(message);
            assertThat(pipes[1].read(Duration.ofSeconds(10))).isEqualTo(message);
            pipes[1].write(message);
            assertThat(pipes[0].read(Duration.ofSeconds(10))).isEqualTo(message);
        }
        assertThat(pipes[0].transport()).isEqualTo(family == Family.TCP ? Transport.TCP : Transport.UNIX);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void headersCrossTheWire(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        pipes[0].write(new Envelope("q".getBytes(), "17", "application/json"));

        Envelope received = pipes[1].readEnvelope(Duration.ofSeconds(5));

        assertThat(received.correlationId()).isEqualTo("17");
        assertThat(received.contentType()).isEqualTo("application/json");
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void concurrentWritersKeepTheirOwnOrderAndNeverInterleave(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        int perWriter = 20_000;
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int writer = w;
            writers.add(threads.submit(() -> {
                for (int i = 0; i < perWriter; i++) {
                    byte[] message = new byte[8 + (i % 97 == 0 ? 70_000 : i % 200)];
                    Arrays.fill(message, (byte) writer);
                    ByteBuffer.wrap(message).putInt(writer).putInt(i);
                    pipes[0].write(message);
                }
            }));
        }
        int[] next = new int[3];
        for (int n = 0; n < 3 * perWriter; n++) {
            ByteBuffer message = ByteBuffer.wrap(pipes[1].read(Duration.ofSeconds(20)));
            int writer = message.getInt();
            int number = message.getInt();
            assertThat(number).as("message from writer %d", writer).isEqualTo(next[writer]++);
            while (message.hasRemaining()) {
                if (message.get() != (byte) writer) {
                    throw new AssertionError("message " + number + " of writer " + writer + " was interleaved");
                }
            }
        }
        for (Future<?> writer : writers) {
            writer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void closeDeliversAMillionMessagesBeforeThePeerSeesTheEnd() throws Exception {
        Pipe[] pipes = pair(Family.TCP);
        int count = 1_000_000;
        Future<?> writing = threads.submit(() -> {
            ByteBuffer message = ByteBuffer.allocate(8);
            for (int i = 0; i < count; i++) {
                pipes[0].write(message.clear().putLong(i).array());
            }
            pipes[0].close();
        });
        for (long i = 0; i < count; i++) {
            long received = ByteBuffer.wrap(pipes[1].read(Duration.ofSeconds(20))).getLong();
            if (received != i) {
                assertThat(received).isEqualTo(i);
            }
        }
        assertThatThrownBy(() -> pipes[1].read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
        writing.get(20, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void aSlowReaderBlocksTheWriterAndReadingFreesIt(Family family) throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(8, 8 * 1024).writeTimeout(Duration.ofSeconds(30)).build();
        Pipe[] pipes = pair(family, small, small);
        // More than every buffer on the way can hold (Linux may grow a TCP receive buffer to 32 MiB),
        // so that the writer must block.
        int count = 100_000;
        CompletableFuture<Integer> written = new CompletableFuture<>();
        Future<?> writer = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                pipes[0].write(new byte[1000]);
            }
            written.complete(count);
        });
        await().until(() -> ((FramedPipe) pipes[0]).writersWaitingForRoom() > 0);

        for (int i = 0; i < count; i++) {
            pipes[1].read(Duration.ofSeconds(10));
        }
        assertThat(written.get(10, TimeUnit.SECONDS)).isEqualTo(count);
    }

    @Test
    void aWriterBlockedPastTheWriteTimeoutFailsHavingWrittenNothingAndThePipeGoesOn() throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(2, 1024).writeTimeout(Duration.ofMillis(300)).build();
        Pipe[] pipes = pair(Family.UNIX, small, small);
        int written = 0;
        try {
            while (true) {
                pipes[0].write(ByteBuffer.allocate(20_000).putInt(written).array());
                written++;
            }
        } catch (PipeTimeoutException e) {
            assertThat(e).hasMessageContaining("nothing was written");
        }
        for (int i = 0; i < written; i++) {
            assertThat(ByteBuffer.wrap(pipes[1].read(Duration.ofSeconds(10))).getInt()).isEqualTo(i);
        }
        pipes[0].write("after".getBytes());
        assertThat(pipes[1].readString(Duration.ofSeconds(10))).isEqualTo("after");
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void disconnectIsSeenAfterEarlierMessagesAndWhatThePeerAlreadySentStillArrives(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        pipes[1].write("in flight");
        pipes[0].write("before");
        pipes[0].disconnect("rebalancing");

        assertThat(pipes[0].isOpen()).isFalse();
        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("before");
        assertThatThrownBy(() -> pipes[1].read(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(PeerDisconnectedException.class, e -> assertThat(e.reason()).isEqualTo("rebalancing"));
        assertThatThrownBy(() -> pipes[1].write("too late")).isInstanceOf(PeerDisconnectedException.class);
        assertThat(pipes[0].readString(Duration.ofSeconds(5))).isEqualTo("in flight");
        assertThatThrownBy(() -> pipes[0].read(Duration.ofSeconds(5))).isInstanceOf(PipeClosedException.class);
    }

    @Test
    void theServerReportsItsRealPortAndIsSelectableWhenAClientWaits() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.defaults());
        assertThat(((InetSocketAddress) server.address()).getPort()).isPositive();
        assertThat(Pipes.select(List.of(server), Duration.ZERO)).isEmpty();

        connect(server, PipeOptions.defaults());

        List<Selectable> ready = Pipes.select(List.of(server), Duration.ofSeconds(10));
        assertThat(ready).containsExactly(server);
        toClose.add(server.accept(Duration.ZERO));
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(50))).isInstanceOf(PipeTimeoutException.class);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void aHundredClientsEachKeepTheirOwnOrder(Family family) throws Exception {
        PipeServer server = server(family, PipeOptions.defaults());
        int clients = 100;
        int perClient = 1000;
        List<Future<?>> senders = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            senders.add(threads.submit(() -> {
                Pipe pipe = Pipes.connect(server.address());
                for (int i = 0; i < perClient; i++) {
                    pipe.write(ByteBuffer.allocate(8).putInt(id).putInt(i).array());
                }
                pipe.close();
                return null;
            }));
        }
        int[] next = new int[clients];
        List<Pipe> accepted = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            accepted.add(server.accept(Duration.ofSeconds(20)));
        }
        toClose.addAll(accepted);
        int received = 0;
        while (received < clients * perClient) {
            for (Selectable ready : Pipes.select(accepted, Duration.ofSeconds(10))) {
                Pipe pipe = (Pipe) ready;
                for (byte[] message : pipe.pending()) {
                    ByteBuffer buffer = ByteBuffer.wrap(message);
                    int id = buffer.getInt();
                    assertThat(buffer.getInt()).as("message of client %d", id).isEqualTo(next[id]++);
                    received++;
                }
                if (pipe.size() == 0 && isFinished(pipe)) {
                    accepted.remove(pipe);
                }
            }
        }
        for (Future<?> sender : senders) {
            sender.get(10, TimeUnit.SECONDS);
        }
        assertThat(next).containsOnly(perClient);
    }

    @Test
    void serverThreadsDoNotGrowWithItsClients() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.defaults());
        connect(server, PipeOptions.defaults());
        toClose.add(server.accept(Duration.ofSeconds(10)));
        int before = Thread.activeCount();

        for (int c = 0; c < 200; c++) {
            connect(server, PipeOptions.defaults());
            toClose.add(server.accept(Duration.ofSeconds(10)));
        }

        assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 2);
    }

    @Test
    void closingTheServerSaysGoodbyeToClientsNotYetAcceptedAndLeavesAcceptedOnesOpen() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.defaults());
        Pipe acceptedClient = connect(server, PipeOptions.defaults());
        Pipe serverSide = server.accept(Duration.ofSeconds(10));
        toClose.add(serverSide);
        Pipe waitingClient = connect(server, PipeOptions.defaults());
        await().until(() -> !Pipes.select(List.of(server), Duration.ZERO).isEmpty());

        server.close();

        assertThat(server.isOpen()).isFalse();
        assertThatThrownBy(server::accept).isInstanceOf(PipeClosedException.class);
        // An orderly goodbye, not a dropped connection (which says "without saying goodbye").
        assertThatThrownBy(() -> waitingClient.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class)
                .hasMessageEndingWith(" closed").hasMessageNotContaining("without saying goodbye");
        acceptedClient.write("still here");
        assertThat(serverSide.readString(Duration.ofSeconds(5))).isEqualTo("still here");
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void stopListeningStillHandsOutEveryClientAlreadyConnectedThenEnds(Family family) throws Exception {
        PipeServer server = server(family, PipeOptions.defaults());
        Pipe waiting = connect(server, PipeOptions.defaults());
        waiting.write("sent before the server stopped listening");
        try (HandDrivenPeer midHandshake = rawClient(server.address(), PipeOptions.defaults())) {
            // Both clients are connected at the socket level before the server stops listening.
            midHandshake.awaitPreface();

            server.stopListening();

            assertThatThrownBy(() -> Pipes.connect(server.address(), PipeOptions.builder().connectTimeout(Duration.ofSeconds(5)).build()))
                    .isInstanceOf(PipeException.class);
            Pipe first = server.accept(Duration.ofSeconds(5));
            toClose.add(first);
            assertThat(first.readString(Duration.ofSeconds(5))).isEqualTo("sent before the server stopped listening");
            // The second client is still in its handshake: accept waits for it rather than giving up.
            assertThatThrownBy(() -> server.accept(Duration.ofMillis(200))).isInstanceOf(PipeTimeoutException.class);
            midHandshake.handshake();
            Pipe second = server.accept(Duration.ofSeconds(5));
            toClose.add(second);
            assertThatThrownBy(() -> server.accept(Duration.ofSeconds(5))).isInstanceOf(PipeClosedException.class)
                    .hasMessageContaining("stopped listening");
            assertThat(Pipes.select(List.of(server), Duration.ZERO)).containsExactly(server);
        }
    }

    @Test
    void clientsBeyondMaxConnectionsAreRefusedAndTheOthersAreServed() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.builder().maxConnections(2).build());
        Pipe first = connect(server, PipeOptions.defaults());
        Pipe second = connect(server, PipeOptions.defaults());
        // Both past their handshake on the server's side too: the server holds its two clients.
        List<Pipe> serverSides = List.of(server.accept(Duration.ofSeconds(5)), server.accept(Duration.ofSeconds(5)));
        toClose.addAll(serverSides);

        // Refused at once (a closed or reset connection), not left to time out; and counted as refused.
        assertThatThrownBy(() -> connect(server, PipeOptions.builder().connectTimeout(Duration.ofSeconds(30)).build()))
                .isInstanceOf(PipeException.class).isNotInstanceOf(PipeTimeoutException.class);
        assertThat(((SocketServer) server).refusedOverLimits()).isEqualTo(1);
        for (Pipe serverSide : serverSides) {
            serverSide.write("served");
        }
        assertThat(first.readString(Duration.ofSeconds(5))).isEqualTo("served");
        assertThat(second.readString(Duration.ofSeconds(5))).isEqualTo("served");
    }

    /**
     * Issue 15's limit that says what it does: a burst of clients refused at {@code maxConnections}
     * is one line naming the limit and how to raise it, then one count when the server takes a
     * client again; the next burst is told again. Every refusal is counted.
     */
    @Test
    void refusalsAtMaxConnectionsAreLoggedOncePerBurstWithTheLimitsName() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.builder().maxConnections(1).build());
        Pipe first = connect(server, PipeOptions.defaults());
        Pipe firstServed = server.accept(Duration.ofSeconds(5));
        PipeOptions refusedOptions = PipeOptions.builder().connectTimeout(Duration.ofSeconds(30)).build();
        try (LogCapture log = LogCapture.of(SocketServer.class)) {
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> connect(server, refusedOptions)).isInstanceOf(PipeException.class);
            }
            assertThat(((SocketServer) server).refusedOverLimits()).isEqualTo(5);
            assertThat(log.lines(Level.WARN)).singleElement().asString()
                    .contains("it already holds maxConnections=1 clients")
                    .contains("raise PipeOptions.maxConnections, or pipc.servers.<name>.max-connections");

            firstServed.close();
            first.close();
            // Refused until the server has let the first client go; then it takes one again.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> connect(server, refusedOptions).isOpen());
            long more = ((SocketServer) server).refusedOverLimits() - 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> log.lines(Level.WARN).size() == 2);
            assertThat(log.lines(Level.WARN).get(1))
                    .contains("refused " + more + " more " + (more == 1 ? "client" : "clients") + " at maxConnections=1")
                    .contains("before it took a client again");

            assertThatThrownBy(() -> connect(server, refusedOptions)).isInstanceOf(PipeException.class);
            assertThat(log.lines(Level.WARN)).hasSize(3);
            assertThat(log.lines(Level.WARN).get(2)).contains("it already holds maxConnections=1 clients");
        }
    }

    @Test
    void connectingWhereNobodyListensFailsClearly() throws Exception {
        InetSocketAddress nobody;
        try (java.nio.channels.ServerSocketChannel probe = java.nio.channels.ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            nobody = (InetSocketAddress) probe.getLocalAddress();
        }

        assertThatThrownBy(() -> Pipes.connect(nobody)).isInstanceOf(PipeException.class)
                .hasMessageContaining(String.valueOf(nobody.getPort())).hasMessageContaining("is the server running");
    }

    @Test
    void aNonLoopbackServerWithoutSecretOrTlsIsRefusedSayingHowToEnableOne() {
        assertThatThrownBy(() -> Pipes.server(new InetSocketAddress(0)))
                .isInstanceOf(PipeException.class)
                .hasMessageContaining("without authentication").hasMessageContaining("secret").hasMessageContaining("sslContext");
        PipeServer withSecret = Pipes.server(new InetSocketAddress(0), PipeOptions.builder().secret("s").build());
        toClose.add(withSecret);
        assertThat(withSecret.isOpen()).isTrue();
    }

    @Test
    void aPeerThatDiesMidFrameIsReportedWithHowMuchArrived() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.defaults());
        try (HandDrivenPeer raw = rawClient(server.address(), PipeOptions.defaults())) {
            raw.handshake();
            Pipe pipe = server.accept(Duration.ofSeconds(10));
            toClose.add(pipe);
            raw.send(ByteBuffer.wrap(WireFormat.of(PipeOptions.defaults(), "raw").encoder().encodeData(Envelope.of("whole".getBytes()))));
            raw.send(ByteBuffer.allocate(15).putInt(100).put((byte) 0x01).put(new byte[10]).flip());
            raw.close();

            assertThat(pipe.readString(Duration.ofSeconds(5))).isEqualTo("whole");
            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(PeerClosedException.class, e -> assertThat(e.partialBytesReceived()).isEqualTo(15))
                    .hasMessageContaining("15 of 105");
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void stopReceivingLosesNothingTheBusyPeerWroteAndStillLetsThisEndReply(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        FramedPipeScenarios.stopReceivingLosesNothingTheBusyPeerWroteAndStillLetsThisEndReply(pipes[0], pipes[1], threads);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void stoppingThenClosingMovesTheLifecycleForward(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        FramedPipeScenarios.stoppingThenClosingMovesTheLifecycleForward((FramedPipe) pipes[0], (FramedPipe) pipes[1]);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void aDisconnectEndsBothEnds(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        FramedPipeScenarios.aDisconnectEndsBothEnds((FramedPipe) pipes[0], (FramedPipe) pipes[1]);
    }

    @Test
    void aClientWhoseHandshakeFailedSendsNothingAfterItsPreface() throws Exception {
        try (java.nio.channels.ServerSocketChannel impostor = java.nio.channels.ServerSocketChannel.open()) {
            impostor.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            for (int round = 0; round < 30; round++) {
                Future<?> connecting = threads.submit(() -> Pipes.connect(impostor.getLocalAddress()));
                try (SocketChannel client = impostor.accept()) {
                    client.write(ByteBuffer.wrap("NOPE, not pipc".getBytes()));
                    assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeException.class);
                    ByteBuffer received = ByteBuffer.allocate(64);
                    while (client.read(received) >= 0) {
                        // read until the client's end
                    }
                    // Its 8-byte preface, and no goodbye frame after a handshake that never completed.
                    assertThat(received.position()).as("round %d", round).isEqualTo(8);
                }
            }
        }
    }

    @Test
    void aWriteAfterAReadReportedThePeerGoneAlwaysThrows() throws Exception {
        PipeServer server = server(Family.UNIX, PipeOptions.defaults());
        for (int round = 0; round < 50; round++) {
            HandDrivenPeer raw = rawClient(server.address(), PipeOptions.defaults());
            raw.handshake();
            Pipe pipe = server.accept(Duration.ofSeconds(10));
            toClose.add(pipe);
            raw.close();

            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
            assertThatThrownBy(() -> pipe.write("after the peer is gone")).as("round %d", round)
                    .isInstanceOf(PeerClosedException.class);
        }
    }

    @Test
    void aSilentPeerIsDetectedWithinThreeHeartbeatsAndAnIdleHealthyOneStaysUp() throws Exception {
        // A budget of 750 ms leaves room for a starved thread on a loaded machine.
        Duration heartbeat = Duration.ofMillis(250);
        PipeOptions fast = PipeOptions.builder().heartbeat(heartbeat).build();
        PipeServer server = server(Family.TCP, fast);
        Pipe healthy = connect(server, fast);
        Pipe healthyServerSide = server.accept(Duration.ofSeconds(10));
        toClose.add(healthyServerSide);
        try (HandDrivenPeer frozen = rawClient(server.address(), fast)) {
            frozen.handshake();
            long silentSince = System.nanoTime();
            Pipe frozenServerSide = server.accept(Duration.ofSeconds(10));
            toClose.add(frozenServerSide);

            // Found after three silent heartbeats (half of one allowed for when the server saw the
            // last handshake byte), and no later than three plus a second of scheduling slack.
            assertThatThrownBy(() -> frozenServerSide.read(heartbeat.multipliedBy(3).plusSeconds(1)))
                    .isInstanceOf(PeerClosedException.class).hasMessageContaining("heartbeat");
            assertThat(Duration.ofNanos(System.nanoTime() - silentSince))
                    .isGreaterThanOrEqualTo(heartbeat.multipliedBy(5).dividedBy(2));
            assertThatThrownBy(() -> healthyServerSide.read(Duration.ofMillis(2000))).isInstanceOf(PipeTimeoutException.class);
            healthy.write("alive");
            assertThat(healthyServerSide.readString(Duration.ofSeconds(5))).isEqualTo("alive");
        }
    }

    @Test
    void aClientThatStallsInItsHandshakeIsDroppedAndOthersAreServed() throws Exception {
        PipeServer server = server(Family.TCP, PipeOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build());
        try (SocketChannel silent = SocketChannel.open(server.address())) {
            silent.write(ByteBuffer.wrap(new byte[] {'P', 'I'}));
            Pipe other = connect(server, PipeOptions.defaults());
            Pipe otherServerSide = server.accept(Duration.ofSeconds(10));
            toClose.add(otherServerSide);

            assertThat(silent.read(ByteBuffer.allocate(64))).isPositive(); // the server's preface...
            await().atMost(Duration.ofSeconds(10)).until(() -> silent.read(ByteBuffer.allocate(64)) < 0); // ...then the end
            other.write("served");
            assertThat(otherServerSide.readString(Duration.ofSeconds(5))).isEqualTo("served");
        }
    }

    @Test
    void aPeerThatStallsMidFrameIsCutOffAtTheFrameDeadline() throws Exception {
        PipeOptions quick = PipeOptions.builder().frameTimeout(Duration.ofMillis(300)).heartbeat(Duration.ZERO).build();
        PipeServer server = server(Family.TCP, quick);
        try (HandDrivenPeer raw = rawClient(server.address(), quick)) {
            raw.handshake();
            Pipe pipe = server.accept(Duration.ofSeconds(10));
            toClose.add(pipe);

            raw.send(ByteBuffer.allocate(7).putInt(100).put((byte) 0x01).put(new byte[2]).flip());

            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class)
                    .hasMessageContaining("stalled in the middle of a frame");
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void theTailOfABurstIsNeverStrandedWhileItsWriterWaitsForTheAnswer(Family family) throws Exception {
        Pipe[] pipes = pair(family);
        Future<?> answering = threads.submit(() -> {
            for (int round = 0; round < 200; round++) {
                for (int i = 0; i < 50; i++) {
                    pipes[1].read(Duration.ofSeconds(10));
                }
                pipes[1].write("got round " + round);
            }
            return null;
        });

        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 50; i++) {
                pipes[0].write(new byte[16]); // no read in between: a stream, handed to the loop in batches
            }
            assertThat(pipes[0].readString(Duration.ofSeconds(10))).isEqualTo("got round " + round);
        }
        answering.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWriteAfterAReadLeavesFromTheWritingThreadWithoutWaitingForAnEventLoop() throws Exception {
        try (ByHand ends = new ByHand()) {
            // Sent from this thread: the next write, without a read in between, would be the loop's to send.
            ends.client.write("first");
            assertThat(new String(readFrame(ends.peer))).isEqualTo("first");
            writeFrame(ends.peer, "request");
            assertThat(ends.client.readString(Duration.ofSeconds(5))).isEqualTo("request");

            try (BlockedLoops blocked = new BlockedLoops()) {
                ends.client.write("reply");
                assertThat(new String(readFrame(ends.peer))).isEqualTo("reply");
            }
        }
    }

    @Test
    void aWriterThatWritesWithoutReadingLeavesTheSystemCallsToTheLoopOnceForTheBatch() throws Exception {
        try (ByHand ends = new ByHand()) {
            try (BlockedLoops blocked = new BlockedLoops()) {
                ends.client.write("first");
                // The first write went out from this thread: its bytes are in the peer's socket already.
                assertThat(new String(readFrame(ends.peer))).isEqualTo("first");
                ends.client.write("second");
                ends.client.write("third");
                // Those two wait for the loop, which is busy: nothing of them has been sent.
                assertThat(ends.peer.getInputStream().available()).isZero();
            }
            assertThat(new String(readFrame(ends.peer))).isEqualTo("second");
            assertThat(new String(readFrame(ends.peer))).isEqualTo("third");
        }
    }

    /** A pipc client connected to a fake server, and the raw socket of that server's side. */
    private final class ByHand implements AutoCloseable {
        final java.net.ServerSocket fake = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final Pipe client;
        final java.net.Socket peer;

        ByHand() throws Exception {
            Future<java.net.Socket> accepting = threads.submit(fake::accept);
            client = connectByHand(fake, accepting);
            peer = accepting.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            peer.close();
            fake.close();
        }
    }

    /** Keeps every default event loop busy until closed, so that only the writing thread can send. */
    private static final class BlockedLoops implements AutoCloseable {
        private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        private final io.pipc.transport.SharedThreads.Lease<EventLoopGroup> loops = EventLoopGroup.acquire(null);

        BlockedLoops() throws InterruptedException {
            java.util.Set<EventLoop> every = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (int i = 0; i < 8; i++) {
                every.add(loops.get().next());
            }
            java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(every.size());
            for (EventLoop loop : every) {
                loop.execute(() -> {
                    busy.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() {
            release.countDown();
            loops.release();
        }
    }

    private static void writeFrame(java.net.Socket peer, String text) throws IOException {
        byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        peer.getOutputStream().write(ByteBuffer.allocate(5 + payload.length).putInt(payload.length).put((byte) 1).put(payload).array());
    }

    /** Connects a pipc client to a fake server whose side of the handshake is done by hand, not by a loop. */
    private Pipe connectByHand(java.net.ServerSocket fake, Future<java.net.Socket> accepting) throws Exception {
        Future<Pipe> connecting = threads.submit(() -> Pipes.connect(fake.getLocalSocketAddress()));
        java.net.Socket peer = accepting.get(10, TimeUnit.SECONDS);
        peer.getOutputStream().write(new byte[] {'P', 'I', 'P', 'C', 2, 0, 0, 0});
        assertThat(peer.getInputStream().readNBytes(8)).startsWith('P', 'I', 'P', 'C');
        Pipe client = connecting.get(10, TimeUnit.SECONDS);
        toClose.add(client);
        return client;
    }

    private static byte[] readFrame(java.net.Socket peer) throws IOException {
        peer.setSoTimeout(5000);
        ByteBuffer header = ByteBuffer.wrap(peer.getInputStream().readNBytes(5));
        return peer.getInputStream().readNBytes(header.getInt());
    }

    @Test
    void selectWakesOnAMessageFromASocket() throws Exception {
        Pipe[] pipes = pair(Family.UNIX);
        Future<List<Selectable>> selecting = threads.submit(() -> Pipes.select(List.of(pipes[1]), Duration.ofSeconds(20)));

        pipes[0].write("ping");

        assertThat(selecting.get(10, TimeUnit.SECONDS)).containsExactly(pipes[1]);
    }

    @Test
    void theUnixServerRemovesItsSocketFileWhenItCloses() {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(directory.resolve("gone.sock"));
        PipeServer server = Pipes.server(address);
        assertThat(address.getPath()).exists();

        server.close();

        await().until(() -> !address.getPath().toFile().exists());
    }

    private static boolean isFinished(Pipe pipe) {
        try {
            pipe.read(Duration.ZERO);
            throw new AssertionError("a message arrived after size() said none");
        } catch (PeerClosedException e) {
            return true;
        } catch (PipeTimeoutException e) {
            return false;
        }
    }

    /** A raw client that speaks the wire by hand, connected to {@code address}. */
    private static HandDrivenPeer rawClient(SocketAddress address, PipeOptions options) throws IOException {
        SocketChannel socket = SocketChannel.open(address instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
        socket.connect(address);
        return new HandDrivenPeer(socket, socket, options);
    }
}
