package io.pipc.transport.fifo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.posix.Posix;
import io.pipc.testing.LiveThreads;
import io.pipc.transport.FramedPipe;
import io.pipc.posix.PrivateDirectory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named pipes end to end over real FIFOs, both ends in this JVM (two threads calling
 * {@code Pipes.named} with the same name and directory). The rendezvous neither knows nor
 * cares that the peer is a thread: its locks belong to open files, not to processes.
 */
@Timeout(60)
class NamedPipeTest {

    private final Posix posix = Posix.system();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Pipe> opened = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        for (Pipe pipe : opened) {
            pipe.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PipeOptions.Builder options() {
        return PipeOptions.builder().directory(dir).connectTimeout(Duration.ofSeconds(10));
    }

    private Pipe named(String name, PipeOptions options) {
        Pipe pipe = Pipes.named(name, options);
        opened.add(pipe);
        return pipe;
    }

    private Pipe[] pair(String name, PipeOptions first, PipeOptions second) throws Exception {
        Future<Pipe> other = threads.submit(() -> named(name, second));
        Pipe one = named(name, first);
        return new Pipe[] {one, other.get(10, TimeUnit.SECONDS)};
    }

    private Pipe[] pair(String name) throws Exception {
        return pair(name, options().build(), options().build());
    }

    private List<Path> entries() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void messagesOfEverySizeCrossBothWaysAndNothingIsLeftInTheDirectory() throws Exception {
        Pipe[] pipes = pair("jobs");

        assertThat(entries()).isEmpty();
        assertThat(pipes[0].transport()).isEqualTo(Transport.FIFO);
        assertThat(pipes[0].name()).isEqualTo("jobs");
        for (int size : new int[] {0, 1, 4096, 65_536, 1024 * 1024}) {
            byte[] message = new byte[size];
            new Random(size).nextBytes(message);
            pipes[0].write(message);
            assertThat(pipes[1].read(Duration.ofSeconds(10))).isEqualTo(message);
            pipes[1].write(message);
            assertThat(pipes[0].read(Duration.ofSeconds(10))).isEqualTo(message);
        }
    }

    @Test
    void theNameInTheOptionsNamesThePipe() throws Exception {
        Pipe[] pipes = pair("jobs", options().name("orders-in").build(), options().build());

        assertThat(pipes[0].name()).isEqualTo("orders-in");
        assertThat(pipes[1].name()).isEqualTo("jobs");
    }

    @Test
    void twoCallersStartingAtTheSameInstantAlwaysPair() throws Exception {
        PipeOptions options = options().build();
        for (int round = 0; round < 100; round++) {
            String name = "race-" + round;
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Pipe> other = threads.submit(() -> {
                start.await();
                return Pipes.named(name, options);
            });
            start.await();
            Pipe one = Pipes.named(name, options);
            Pipe two = other.get(10, TimeUnit.SECONDS);

            one.write("one " + round);
            two.write("two " + round);
            assertThat(two.readString(Duration.ofSeconds(5))).isEqualTo("one " + round);
            assertThat(one.readString(Duration.ofSeconds(5))).isEqualTo("two " + round);
            one.close();
            two.close();
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void fourCallersOfOneNameFormTwoPairsAndNoneJoinsAPairAlreadyFormed() throws Exception {
        int callers = 4;
        CyclicBarrier start = new CyclicBarrier(callers);
        List<Future<String>> peers = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            String me = "caller-" + i;
            peers.add(threads.submit(() -> {
                start.await();
                Pipe pipe = named("crowd", options().build());
                pipe.write(me);
                return pipe.readString(Duration.ofSeconds(10));
            }));
        }
        List<String> peerOf = new ArrayList<>();
        for (Future<String> peer : peers) {
            peerOf.add(peer.get(20, TimeUnit.SECONDS));
        }

        for (int i = 0; i < callers; i++) {
            int peer = Integer.parseInt(peerOf.get(i).substring("caller-".length()));
            assertThat(peer).isNotEqualTo(i);
            assertThat(peerOf.get(peer)).as("the peer of caller-%d's peer", i).isEqualTo("caller-" + i);
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void aCreatorWithoutPeerTimesOutAndLeavesTheDirectoryEmpty() throws Exception {
        PipeOptions quick = options().connectTimeout(Duration.ofMillis(300)).build();

        assertThatThrownBy(() -> named("lonely", quick)).isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("named pipe 'lonely': no peer arrived within PT0.3S")
                .hasMessageContaining(dir.toString());

        assertThat(entries()).isEmpty();
    }

    @Test
    void anOpenerWhoseCreatorNeverMakesTheFifosTimesOutAndRemovesItsOwnLock() throws Exception {
        RendezvousFiles files = RendezvousFiles.of("lonely", PrivateDirectory.open(dir, posix));
        // Holding the creator lock makes this test the (silent) creator.
        RendezvousLock creator = RendezvousLock.tryAcquire(posix, files.creatorLock(), "lonely");
        assertThat(creator).isNotNull();
        try {
            assertThatThrownBy(() -> named("lonely", options().connectTimeout(Duration.ofMillis(300)).build()))
                    .isInstanceOf(PipeTimeoutException.class);

            assertThat(entries()).containsExactly(files.creatorLock());
        } finally {
            creator.release();
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void anInterruptedRendezvousStopsAtOnceAndLeavesTheDirectoryEmpty() throws Exception {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> named("lonely", options().build())).isInstanceOf(PipeException.class)
                    .hasMessageContaining("interrupted while waiting for the peer");
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt flag is kept").isTrue();
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void staleFilesOfACrashedRendezvousAreReplacedNotTrusted() throws Exception {
        RendezvousFiles files = RendezvousFiles.of("jobs", PrivateDirectory.open(dir, posix));
        // What a creator that died after mkfifo leaves: unlocked lock files and FIFOs just like fresh ones.
        posix.mkfifo(files.toCreator(), 0600);
        posix.mkfifo(files.toOpener(), 0600);
        Files.writeString(files.creatorLock(), "");
        Files.writeString(files.openerLock(), "");

        try (OpenFifos stale = OpenFifos.hold(posix, files.toCreator(), files.toOpener())) {
            Pipe[] pipes = pair("jobs");

            // Both ends hold the two FIFOs of the pair: fresh ones, not the stale ones under the same names.
            assertThat(stale.othersIn(dir)).hasSize(2).doesNotContainAnyElementsOf(stale.inodes());
            pipes[0].write("fresh");
            assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("fresh");
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void aSlowReaderBlocksTheWriterWhichNeverFails() throws Exception {
        PipeOptions small = options().queueCapacity(4, 4096).writeTimeout(Duration.ofSeconds(30)).build();
        Pipe[] pipes = pair("slow", options().writeTimeout(Duration.ofSeconds(30)).build(), small);
        int count = 5_000;
        byte[] message = new byte[1000];
        CompletableFuture<Integer> written = new CompletableFuture<>();
        Future<?> writer = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                ByteBuffer.wrap(message).putInt(0, i);
                pipes[0].write(message);
            }
            written.complete(count);
        });
        // 5 MB cannot fit in the FIFO, the outbox and a 4-message queue: the writer must wait, not fail.
        await().atMost(Duration.ofSeconds(20)).until(() -> !writer.isDone() && ((FramedPipe) pipes[0]).writersWaitingForRoom() > 0);
        assertThat(pipes[1].size()).isLessThanOrEqualTo(4);

        for (int i = 0; i < count; i++) {
            assertThat(ByteBuffer.wrap(pipes[1].read(Duration.ofSeconds(10))).getInt()).isEqualTo(i);
        }
        assertThat(written.get(10, TimeUnit.SECONDS)).isEqualTo(count);
    }

    @Test
    void disconnectIsFinalAndThePeerReadsWhatCameBeforeThenTheReason() throws Exception {
        Pipe[] pipes = pair("jobs");
        pipes[0].write("before");

        pipes[0].disconnect("maintenance");

        assertThat(pipes[0].isOpen()).isFalse();
        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("before");
        assertThatThrownBy(() -> pipes[1].read(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(PeerDisconnectedException.class, e -> assertThat(e.reason()).isEqualTo("maintenance"));
        assertThatThrownBy(() -> pipes[1].write("too late")).isInstanceOf(PeerDisconnectedException.class);
        assertThatThrownBy(() -> pipes[0].write("after")).isInstanceOf(PipeClosedException.class);
    }

    @Test
    void selectReportsAFifoPipeOnceAMessageIsQueuedOrThePeerHasGone() throws Exception {
        Pipe[] pipes = pair("jobs");

        assertThat(Pipes.select(List.of(pipes[1]), Duration.ofMillis(100))).isEmpty();
        pipes[0].write("wake up");
        assertThat(Pipes.select(List.of(pipes[1]), Duration.ofSeconds(5))).containsExactly(pipes[1]);
        assertThat(pipes[1].size()).isEqualTo(1);
        assertThat(pipes[1].pending()).hasSize(1);

        assertThat(Pipes.select(List.of(pipes[1]), Duration.ZERO)).isEmpty();
        pipes[0].close();
        assertThat(Pipes.select(List.of(pipes[1]), Duration.ofSeconds(5))).containsExactly(pipes[1]);
        assertThatThrownBy(() -> pipes[1].read(Duration.ZERO)).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void closeWakesABlockedReaderAndReleasesEveryThreadAndDescriptor() throws Exception {
        Pipe[] pipes = pair("jobs");
        // Each end holds its two FIFOs, and a second, non-blocking write end of the one it writes;
        // their names are gone, so the kernel shows them as "(deleted)".
        assertThat(fifoDescriptors()).hasSize(6).allMatch(target -> target.endsWith(" (deleted)"));
        Future<byte[]> reader = threads.submit(() -> pipes[1].read());
        await().until(() -> !reader.isDone() && ((FramedPipe) pipes[1]).readersWaiting() == 1);

        pipes[1].close();
        pipes[0].close();

        assertThatThrownBy(() -> reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(PipeClosedException.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (Pipe pipe : pipes) {
                assertThat(LiveThreads.named("pipc-read-" + pipe.name())).isEmpty();
                assertThat(LiveThreads.named("pipc-write-" + pipe.name())).isEmpty();
            }
            assertThat(fifoDescriptors()).isEmpty();
        });
        assertThat(entries()).isEmpty();
    }

    @Test
    void endsWithDifferentSecretsRefuseEachOtherAndLeaveNothingBehind() throws Exception {
        Future<Pipe> other = threads.submit(() -> named("guarded", options().secret("one").build()));

        assertThatThrownBy(() -> named("guarded", options().secret("two").build()))
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> other.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(AuthenticationException.class);
        assertThat(entries()).isEmpty();
    }

    @Test
    void endsWithTheSameSecretTalk() throws Exception {
        PipeOptions secret = options().secret("shared").build();
        Pipe[] pipes = pair("guarded", secret, secret);

        pipes[0].write("authenticated");

        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("authenticated");
    }

    @Test
    void thePythonWireWorksOverFifosToo() throws Exception {
        PipeOptions python = options().wire(Wire.PYTHON).build();
        Pipe[] pipes = pair("py", python, python);

        pipes[0].write("bytes".getBytes(StandardCharsets.UTF_8));

        assertThat(pipes[1].readString(Duration.ofSeconds(5))).isEqualTo("bytes");
    }

    @Test
    void withoutNativePosixNamedPipesFailWithAClearMessageAndTouchNothing() throws Exception {
        Posix none = Posix.unavailable("test: as on a platform without a C library");

        assertThatThrownBy(() -> NamedPipes.open("jobs", options().build(), none)).isInstanceOf(PipeException.class)
                .hasMessage("named pipes are not supported on this platform (test: as on a platform without a C library);"
                        + " use a Unix socket or TCP pipe instead");

        assertThat(entries()).isEmpty();
    }

    /** Where this process's open descriptors lead, for those that lead into the test's directory. */
    private List<String> fifoDescriptors() throws Exception {
        return OpenFifos.in(dir).stream().map(OpenFifos.Open::target).toList();
    }
}
