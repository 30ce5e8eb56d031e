package io.pipc.transport.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.Pipe.SinkChannel;
import java.nio.channels.Pipe.SourceChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.AuthenticationException;
import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.transport.FramedPipe;
import io.pipc.transport.FramedPipeScenarios;
import io.pipc.transport.HandDrivenPeer;
import io.pipc.PipeClosedException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.ProtocolException;
import io.pipc.Transport;
import io.pipc.transport.Deadline;
import io.pipc.transport.RecordingThreadFactory;
import io.pipc.testing.LiveThreads;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Role;
import io.pipc.wire.WireFormat;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The blocking-stream engine over two operating-system pipes, one per direction: everything
 * the FIFO and stdio transports inherit.
 */
@Timeout(30)
class StreamPipeTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Closeable closeable : toClose) {
            closeable.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Two OS pipes crossed over: what one end writes, the other reads. */
    private final class Wires {
        final java.nio.channels.Pipe aToB;
        final java.nio.channels.Pipe bToA;

        Wires() throws IOException {
            aToB = java.nio.channels.Pipe.open();
            bToA = java.nio.channels.Pipe.open();
            toClose.add(() -> {
                aToB.sink().close();
                aToB.source().close();
                bToA.sink().close();
                bToA.source().close();
            });
        }

        StreamPipe startA(PipeOptions options) {
            return start("a", options, Role.ACCEPTOR, bToA.source(), aToB.sink(), null);
        }

        StreamPipe startA(PipeOptions options, DirectOutput direct) {
            return start("a", options, Role.ACCEPTOR, bToA.source(), aToB.sink(), direct);
        }

        StreamPipe startB(PipeOptions options) {
            return start("b", options, Role.CONNECTOR, aToB.source(), bToA.sink(), null);
        }
    }

    private StreamPipe start(String name, PipeOptions options, Role role, SourceChannel in, SinkChannel out,
            @Nullable DirectOutput direct) {
        // The two ends of one in-memory FIFO pair, named as each sees it.
        ConnectionEnds ends = role == Role.ACCEPTOR ? new ConnectionEnds("b to a", "a to b") : new ConnectionEnds("a to b", "b to a");
        StreamPipe pipe = StreamPipe.start(name, Transport.FIFO, options, role, ends, in, out, direct, () -> {
            in.close();
            out.close();
        }, "the test peer", Deadline.after(Duration.ofSeconds(10)));
        toClose.add(pipe);
        return pipe;
    }

    private Pipe[] connect(PipeOptions a, PipeOptions b) throws Exception {
        Wires wires = new Wires();
        Future<StreamPipe> right = threads.submit(() -> wires.startB(b));
        StreamPipe left = wires.startA(a);
        return new Pipe[] {left, right.get(10, TimeUnit.SECONDS)};
    }

    private Pipe[] connect() throws Exception {
        return connect(PipeOptions.defaults(), PipeOptions.defaults());
    }

    @Test
    void messagesOfEverySizeCrossBothWaysIntact() throws Exception {
        Pipe[] pipes = connect();
        for (int size : new int[] {0, 1, 64 * 1024 - 5, 64 * 1024, 4 * 1024 * 1024}) {
            byte[] message = new byte[size];
            new Random(size).nextBytes(message);
            pipes[0].write(message);
            assertThat(pipes[1].read(Duration.ofSeconds(10))).isEqualTo(message);
            pipes[1].write(message);
            assertThat(pipes[0].read(Duration.ofSeconds(10))).isEqualTo(message);
        }
        assertThat(pipes[0].transport()).isEqualTo(Transport.FIFO);
    }

    @Test
    void readerWriterAndWatchdogThreadsComeFromTheFactoryAndEndWithThePipes() throws Exception {
        RecordingThreadFactory factory = new RecordingThreadFactory("app-stream");
        PipeOptions options = PipeOptions.builder().threadFactory(factory).heartbeat(Duration.ofMillis(200)).build();
        Pipe[] pipes = connect(options, options);
        pipes[0].write("ping");
        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("ping");
        // Two ends, each a reader and a writer, and one watchdog for both.
        assertThat(factory.made()).hasSize(5);

        pipes[0].close();
        pipes[1].close();

        factory.assertAllEndWithin(Duration.ofSeconds(10));
    }

    @Test
    void headersCrossTheWire() throws Exception {
        Pipe[] pipes = connect();
        pipes[0].write(new Envelope("x".getBytes(), "corr-1", "text/plain"));

        Envelope received = pipes[1].readEnvelope(Duration.ofSeconds(5));

        assertThat(received.correlationId()).isEqualTo("corr-1");
        assertThat(received.contentType()).isEqualTo("text/plain");
    }

    @Test
    void orderIsKeptOverManyMessagesOfMixedSizes() throws Exception {
        Pipe[] pipes = connect();
        int count = 20_000;
        Future<?> writer = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                byte[] message = new byte[4 + (i % 7 == 0 ? 70_000 : i % 300)];
                ByteBuffer.wrap(message).putInt(i);
                pipes[0].write(message);
            }
        });
        for (int i = 0; i < count; i++) {
            byte[] message = pipes[1].read(Duration.ofSeconds(10));
            assertThat(ByteBuffer.wrap(message).getInt()).isEqualTo(i);
            assertThat(message).hasSize(4 + (i % 7 == 0 ? 70_000 : i % 300));
        }
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closeDeliversEverythingWrittenBeforeThePeerSeesTheEnd() throws Exception {
        Pipe[] pipes = connect();
        int count = 100_000;
        for (int i = 0; i < count; i++) {
            pipes[0].write(ByteBuffer.allocate(4).putInt(i).array());
        }
        Future<?> closing = threads.submit(pipes[0]::close);

        for (int i = 0; i < count; i++) {
            assertThat(ByteBuffer.wrap(pipes[1].read(Duration.ofSeconds(10))).getInt()).isEqualTo(i);
        }
        assertThatThrownBy(() -> pipes[1].read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("closed");
        closing.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> pipes[1].write("to nobody")).isInstanceOf(PeerClosedException.class);
    }

    @Test
    void aSlowReaderBlocksTheWriterUntilItReads() throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(4, 1024).writeTimeout(Duration.ofSeconds(30)).build();
        Pipe[] pipes = connect(small, small);
        byte[] message = new byte[1000];
        CompletableFuture<Integer> written = new CompletableFuture<>();
        Future<?> writer = threads.submit(() -> {
            int n = 0;
            for (; n < 10_000; n++) {
                pipes[0].write(message);
            }
            written.complete(n);
        });
        // The reader takes nothing: the writer must end up blocked, not failing and not finishing.
        await().until(() -> isBlockedWriting(writer, pipes[0]));

        for (int i = 0; i < 10_000; i++) {
            pipes[1].read(Duration.ofSeconds(10));
        }
        assertThat(written.get(10, TimeUnit.SECONDS)).isEqualTo(10_000);
    }

    @Test
    void aWriterBlockedLongerThanTheWriteTimeoutFailsAndThePipeStaysUsable() throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(1, 100).writeTimeout(Duration.ofMillis(200)).build();
        Pipe[] pipes = connect(small, small);
        byte[] message = new byte[10_000];
        AtomicInteger written = new AtomicInteger();

        assertThatThrownBy(() -> {
            while (true) {
                pipes[0].write(message);
                written.incrementAndGet();
            }
        }).isInstanceOf(PipeTimeoutException.class).hasMessageContaining("nothing was written");

        // Still usable: every message written before arrives whole, the one that timed out not at
        // all, and later writes follow in order.
        List<String> later = List.of("after 1", "after 2", "after 3");
        Future<?> writer = threads.submit(() -> later.forEach(pipes[0]::write));
        for (int i = 0; i < written.get(); i++) {
            assertThat(pipes[1].read(Duration.ofSeconds(5))).as("message %d", i).hasSize(10_000);
        }
        for (String text : later) {
            assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo(text);
        }
        writer.get(10, TimeUnit.SECONDS);
        assertThat(pipes[0].isOpen()).isTrue();
    }

    @Test
    void aLargeMessageToAPeerThatReadsNothingFailsAtTheWriteTimeoutAndClosesThePipe() throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(1, 100).writeTimeout(Duration.ofMillis(300)).build();
        Pipe[] pipes = connect(small, small);
        // The peer's queue takes one message; the OS pipe (64 KiB) the next; then nobody reads.
        pipes[0].write(new byte[10]);

        assertThatThrownBy(() -> {
            for (int i = 0; i < 10; i++) {
                pipes[0].write(new byte[256 * 1024]);
            }
        }).isInstanceOf(PipeTimeoutException.class).hasMessageContaining("stopped reading in the middle of a");
        assertThatThrownBy(() -> pipes[0].write("x")).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void disconnectIsSeenAfterEarlierMessagesAndWhatThePeerAlreadySentStillArrives() throws Exception {
        Pipe[] pipes = connect();
        pipes[1].write("sent before the peer knew");
        pipes[0].write("before");
        pipes[0].disconnect("maintenance");

        assertThat(pipes[0].isOpen()).isFalse();
        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("before");
        assertThatThrownBy(() -> pipes[1].read(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(PeerDisconnectedException.class, e -> assertThat(e.reason()).isEqualTo("maintenance"));
        assertThatThrownBy(() -> pipes[1].read(Duration.ofSeconds(5))).isInstanceOf(PeerDisconnectedException.class);
        assertThatThrownBy(() -> pipes[1].write("too late")).isInstanceOf(PeerDisconnectedException.class);

        assertThat(pipes[0].readString(Duration.ofSeconds(5))).isEqualTo("sent before the peer knew");
        assertThatThrownBy(() -> pipes[0].read(Duration.ofSeconds(5))).isInstanceOf(PipeClosedException.class)
                .hasMessageContaining("disconnected");
        assertThatThrownBy(() -> pipes[0].write("x")).isInstanceOf(PipeClosedException.class);
    }

    @Test
    void closeWakesBlockedReadersAndWritersAtOnceAndLeavesNoThreadBehind() throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(1, 100).writeTimeout(Duration.ofSeconds(20)).build();
        Pipe[] pipes = connect(small, small);
        Future<byte[]> reader = threads.submit(() -> pipes[0].read());
        Future<?> writer = threads.submit(() -> {
            while (true) {
                pipes[0].write(new byte[10_000]);
            }
        });
        await().until(() -> isBlockedWriting(writer, pipes[0]) && ((FramedPipe) pipes[0]).readersWaiting() == 1);

        // The peer reads nothing, so close waits (up to the write timeout) for what is queued to leave.
        Future<?> closing = threads.submit(pipes[0]::close);

        assertThatThrownBy(() -> reader.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> writer.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeClosedException.class);
        pipes[1].close();
        closing.get(10, TimeUnit.SECONDS);
        await().until(() -> LiveThreads.named("pipc-read-a").isEmpty() && LiveThreads.named("pipc-write-a").isEmpty());
    }

    @Test
    void closeGivesUpOnAPeerThatReadsNothingAfterTheWriteTimeout() throws Exception {
        PipeOptions small = PipeOptions.builder().queueCapacity(1, 100).writeTimeout(Duration.ofMillis(300)).build();
        Pipe[] pipes = connect(small, small);
        try {
            while (true) {
                pipes[0].write(new byte[10_000]);
            }
        } catch (PipeTimeoutException full) {
            // the peer's queue, the OS pipe and our outbox are all full now
        }

        // close() waits for what is queued to leave, but not longer than the write timeout
        // (plus scheduling slack): it never hangs on a peer that reads nothing.
        threads.submit(pipes[0]::close).get(300 + 2_000, TimeUnit.MILLISECONDS);

        assertThat(pipes[0].isOpen()).isFalse();
    }

    @Test
    void aPeerThatDiesMidFrameIsReportedWithHowMuchArrived() throws Exception {
        Wires wires = new Wires();
        Future<StreamPipe> a = threads.submit(() -> wires.startA(PipeOptions.defaults()));
        HandDrivenPeer raw = new HandDrivenPeer(wires.aToB.source(), wires.bToA.sink(), PipeOptions.defaults());
        raw.handshake();
        Pipe pipe = a.get(10, TimeUnit.SECONDS);
        pipe.write("hello raw peer");
        // A DATA frame announcing 100 bytes, of which 10 arrive.
        ByteBuffer half = ByteBuffer.allocate(15).putInt(100).put((byte) 0x01).put(new byte[10]).flip();
        raw.send(ByteBuffer.wrap(WireFormat.of(PipeOptions.defaults(), "raw").encoder().encodeData(Envelope.of("whole".getBytes()))));
        raw.send(half);
        raw.close();

        assertThat(pipe.readString(Duration.ofSeconds(5))).isEqualTo("whole");
        assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(PeerClosedException.class, e -> {
                    assertThat(e.partialBytesReceived()).isEqualTo(15);
                    assertThat(e.partialBytesExpected()).isEqualTo(105);
                })
                .hasMessageContaining("15 of 105");
        assertThatThrownBy(() -> pipe.write("x")).isInstanceOf(PeerClosedException.class);
    }

    @Test
    void stopReceivingLosesNothingTheBusyPeerWroteAndStillLetsThisEndReply() throws Exception {
        Pipe[] pipes = connect();
        FramedPipeScenarios.stopReceivingLosesNothingTheBusyPeerWroteAndStillLetsThisEndReply(pipes[0], pipes[1], threads);
    }

    @Test
    void stoppingThenClosingMovesTheLifecycleForward() throws Exception {
        Pipe[] pipes = connect();
        FramedPipeScenarios.stoppingThenClosingMovesTheLifecycleForward((FramedPipe) pipes[0], (FramedPipe) pipes[1]);
    }

    @Test
    void aDisconnectEndsBothEnds() throws Exception {
        Pipe[] pipes = connect();
        FramedPipeScenarios.aDisconnectEndsBothEnds((FramedPipe) pipes[0], (FramedPipe) pipes[1]);
    }

    @Test
    void aWriteAfterAReadReportedThePeerGoneAlwaysThrows() throws Exception {
        for (int round = 0; round < 50; round++) {
            Wires wires = new Wires();
            Future<StreamPipe> a = threads.submit(() -> wires.startA(PipeOptions.defaults()));
            HandDrivenPeer raw = new HandDrivenPeer(wires.aToB.source(), wires.bToA.sink(), PipeOptions.defaults());
            raw.handshake();
            Pipe pipe = a.get(10, TimeUnit.SECONDS);
            raw.close();

            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
            assertThatThrownBy(() -> pipe.write("after the peer is gone")).as("round %d", round)
                    .isInstanceOf(PeerClosedException.class);
        }
    }

    @Test
    void aPeerThatDiesBetweenFramesIsReportedAsGoneWithoutGoodbye() throws Exception {
        Wires wires = new Wires();
        Future<StreamPipe> a = threads.submit(() -> wires.startA(PipeOptions.defaults()));
        HandDrivenPeer raw = new HandDrivenPeer(wires.aToB.source(), wires.bToA.sink(), PipeOptions.defaults());
        raw.handshake();
        Pipe pipe = a.get(10, TimeUnit.SECONDS);

        raw.close();

        assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(5))).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("without saying goodbye");
    }

    @Test
    void aSilentPeerIsDetectedWithinThreeHeartbeats() throws Exception {
        Duration heartbeat = Duration.ofMillis(250);
        PipeOptions fast = PipeOptions.builder().heartbeat(heartbeat).build();
        Wires wires = new Wires();
        Future<StreamPipe> a = threads.submit(() -> wires.startA(fast));
        HandDrivenPeer raw = new HandDrivenPeer(wires.aToB.source(), wires.bToA.sink(), fast);
        raw.handshake();
        long silentSince = System.nanoTime();
        Pipe pipe = a.get(10, TimeUnit.SECONDS);

        // The raw peer is alive (its channels are open) but says nothing: frozen. Found after three
        // silent heartbeats (half of one allowed for when the pipe saw the last handshake byte),
        // and no later than three plus a second of scheduling slack.
        assertThatThrownBy(() -> pipe.read(heartbeat.multipliedBy(3).plusSeconds(1))).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("heartbeat");
        assertThat(Duration.ofNanos(System.nanoTime() - silentSince)).isGreaterThanOrEqualTo(heartbeat.multipliedBy(5).dividedBy(2));
    }

    @Test
    void anIdleButHealthyPipeStaysUpOnHeartbeats() throws Exception {
        // A budget of 750 ms leaves room for a starved thread on a loaded machine.
        PipeOptions fast = PipeOptions.builder().heartbeat(Duration.ofMillis(250)).build();
        Pipe[] pipes = connect(fast, fast);

        // Several heartbeat budgets of silence from the application.
        assertThatThrownBy(() -> pipes[1].read(Duration.ofMillis(2500))).isInstanceOf(PipeTimeoutException.class);
        pipes[0].write("still here");
        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("still here");
    }

    @Test
    void aPeerThatStallsMidFrameIsCutOffAtTheFrameDeadline() throws Exception {
        PipeOptions quick = PipeOptions.builder().frameTimeout(Duration.ofMillis(300)).heartbeat(Duration.ZERO).build();
        Wires wires = new Wires();
        Future<StreamPipe> a = threads.submit(() -> wires.startA(quick));
        HandDrivenPeer raw = new HandDrivenPeer(wires.aToB.source(), wires.bToA.sink(), quick);
        raw.handshake();
        Pipe pipe = a.get(10, TimeUnit.SECONDS);

        raw.send(ByteBuffer.allocate(7).putInt(100).put((byte) 0x01).put(new byte[2]).flip());

        assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("stalled in the middle of a frame");
    }

    @Test
    void aPeerThatNeverAnswersTimesOutTheHandshakeAndReleasesEverything() throws Exception {
        Wires wires = new Wires();

        assertThatThrownBy(() -> StreamPipe.start("lonely", Transport.FIFO, PipeOptions.defaults(), Role.ACCEPTOR,
                new ConnectionEnds("b to a", "a to b"), wires.bToA.source(), wires.aToB.sink(), null, () -> {
                    wires.bToA.source().close();
                    wires.aToB.sink().close();
                }, "nobody", Deadline.after(Duration.ofMillis(300))))
                .isInstanceOf(PipeTimeoutException.class).hasMessageContaining("lonely").hasMessageContaining("handshake");
        assertThat(wires.bToA.source().isOpen()).isFalse();
    }

    @Test
    void garbageInsteadOfAPrefaceIsRefusedAsAProtocolError() throws Exception {
        Wires wires = new Wires();
        Future<StreamPipe> a = threads.submit(() -> wires.startA(PipeOptions.defaults()));
        wires.bToA.sink().write(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes()));

        assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ProtocolException.class);
    }

    @Test
    void endsWithDifferentSecretsRefuseEachOther() throws Exception {
        Wires wires = new Wires();
        Future<StreamPipe> b = threads.submit(() -> wires.startB(PipeOptions.builder().secret("one").build()));

        assertThatThrownBy(() -> wires.startA(PipeOptions.builder().secret("two").build()))
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> b.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(AuthenticationException.class);
    }

    @Test
    void endsWithTheSameSecretTalk() throws Exception {
        PipeOptions secret = PipeOptions.builder().secret("shared").build();
        Pipe[] pipes = connect(secret, secret);

        pipes[0].write("authenticated");

        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("authenticated");
    }

    @Test
    void flushReturnsOnceWrittenMessagesAreWithTheOperatingSystem() throws Exception {
        Pipe[] pipes = connect();
        pipes[0].write("a");
        pipes[0].flush();
        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("a");
        pipes[0].close();
        assertThatThrownBy(pipes[0]::flush).isInstanceOf(PipeClosedException.class);
    }

    /**
     * @return end a (with {@code direct}) and end b, connected, without heartbeats: a heartbeat
     *         would put a's writer thread to work at a time no test chooses
     */
    private Pipe[] connectWithDirectOutput(DirectOutput direct, Wires wires) throws Exception {
        PipeOptions quiet = PipeOptions.builder().heartbeat(Duration.ZERO).build();
        Future<StreamPipe> b = threads.submit(() -> wires.startB(quiet));
        StreamPipe a = wires.startA(quiet, direct);
        return new Pipe[] {a, b.get(10, TimeUnit.SECONDS)};
    }

    @Test
    void aReplyLeavesFromTheWritingThreadWithNoHopToTheWriterThread() throws Exception {
        Wires wires = new Wires();
        DirectOutput direct = new DirectOutput(wires.aToB.sink());
        Pipe[] pipes = connectWithDirectOutput(direct, wires);
        pipes[1].write("request");
        assertThat(pipes[0].readString(Duration.ofSeconds(10))).isEqualTo("request");
        // The writer thread has written everything (the handshake's last bytes) and is idle: a
        // flush it were still making would take the reply too, rightly, from its own thread.
        pipes[0].flush();

        pipes[0].write("reply");

        assertThat(pipes[1].readString(Duration.ofSeconds(10))).isEqualTo("reply");
        assertThat(direct.writers).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void whatTheDirectOutputDoesNotTakeTheWriterThreadWritesInOrder() throws Exception {
        Wires wires = new Wires();
        DirectOutput direct = new DirectOutput(wires.aToB.sink());
        Pipe[] pipes = connectWithDirectOutput(direct, wires);

        for (int i = 0; i < 50; i++) {
            pipes[1].write("request " + i);
            assertThat(pipes[0].readString(Duration.ofSeconds(10))).isEqualTo("request " + i);
            pipes[0].flush(); // the writer thread is idle, as above
            // Three bytes go from this thread, the rest of the frame from the writer thread; the
            // next write finds the direct output full.
            direct.room = 3;
            pipes[0].write("reply " + i);
            pipes[0].write("and more " + i);
            assertThat(pipes[1].readString(Duration.ofSeconds(10))).isEqualTo("reply " + i);
            assertThat(pipes[1].readString(Duration.ofSeconds(10))).isEqualTo("and more " + i);
        }
        assertThat(direct.writers).as("every reply began on the thread that wrote it")
                .hasSizeGreaterThanOrEqualTo(50).containsOnly(Thread.currentThread().getName());
    }

    @Test
    void aWriterThatDoesNotReadLeavesItsSystemCallsToTheWriterThread() throws Exception {
        Wires wires = new Wires();
        DirectOutput direct = new DirectOutput(wires.aToB.sink());
        Pipe[] pipes = connectWithDirectOutput(direct, wires);
        int count = 200;

        for (int i = 0; i < count; i++) {
            pipes[0].write("message " + i);
        }

        for (int i = 0; i < count; i++) {
            assertThat(pipes[1].readString(Duration.ofSeconds(10))).isEqualTo("message " + i);
        }
        // A write goes directly only once the writer thread has written everything queued: at most
        // every other write, however the threads interleave. (Maybe none: on a busy machine the
        // writer thread may not have run at all while the 200 were written.)
        assertThat(direct.calls.get()).isLessThanOrEqualTo(count / 2 + 1);
    }

    @Test
    void onceItsLastFrameIsOutThePipeClosesItsDirectOutputToo() throws Exception {
        Wires wires = new Wires();
        DirectOutput direct = new DirectOutput(wires.aToB.sink());
        // The peer never answers the disconnect, so the pipe holds on for the whole write timeout.
        PipeOptions patient = PipeOptions.builder().writeTimeout(Duration.ofMinutes(1)).build();
        Future<StreamPipe> a = threads.submit(() -> wires.startA(patient, direct));
        HandDrivenPeer raw = new HandDrivenPeer(wires.aToB.source(), wires.bToA.sink(), PipeOptions.defaults());
        raw.handshake();
        Pipe pipe = a.get(10, TimeUnit.SECONDS);

        threads.submit(() -> pipe.disconnect("done"));

        // Else the peer, reading a FIFO that a second descriptor still holds, would not see the end of the stream.
        await().atMost(Duration.ofSeconds(10)).until(() -> direct.closed);
    }

    /** @return whether {@code task} is still writing and waits for room in {@code pipe}'s outbox */
    private static boolean isBlockedWriting(Future<?> task, Pipe pipe) {
        return !task.isDone() && ((FramedPipe) pipe).writersWaitingForRoom() > 0;
    }

    /**
     * A second way into end a's sink, as a FIFO's non-blocking write end is: records who writes
     * through it, and takes {@link #room} bytes more at most, then none, as a full FIFO.
     */
    private static final class DirectOutput implements GatheringByteChannel {
        private final SinkChannel sink;
        final List<String> writers = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile int room = Integer.MAX_VALUE;
        volatile boolean closed;

        DirectOutput(SinkChannel sink) {
            this.sink = sink;
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            calls.incrementAndGet();
            writers.add(Thread.currentThread().getName());
            int n = Math.min(source.remaining(), room);
            room -= n;
            ByteBuffer part = source.slice();
            part.limit(n);
            while (part.hasRemaining()) {
                sink.write(part);
            }
            source.position(source.position() + n);
            return n;
        }

        /** Writes the first buffer only, as a gathering channel may: the outbox writes the rest next. */
        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            return length == 0 ? 0 : write(sources[offset]);
        }

        @Override
        public long write(ByteBuffer[] sources) throws IOException {
            return write(sources, 0, sources.length);
        }

        @Override
        public boolean isOpen() {
            return sink.isOpen();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
