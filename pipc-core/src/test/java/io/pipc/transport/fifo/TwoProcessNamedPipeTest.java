package io.pipc.transport.fifo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.Pipes;
import io.pipc.posix.Posix;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named pipes between two real JVMs: this one and children started from the same classpath
 * running {@link FifoPeerMain}. Children are killed with {@code SIGKILL} ({@link
 * Process#destroyForcibly()}) where a test needs a peer that dies without a word, and always
 * in {@link #killChildren()}. A child's standard error is kept and shown when it fails.
 */
@Timeout(60)
class TwoProcessNamedPipeTest {

    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final List<Pipe> pipes = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @TempDir
    Path dir;

    /** The children's standard error, shown when a child fails. */
    @TempDir
    Path logs;

    @AfterEach
    void killChildren() throws Exception {
        for (Child child : children) {
            child.process.destroyForcibly();
            assertThat(child.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        for (Pipe pipe : pipes) {
            pipe.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PipeOptions options() {
        return PipeOptions.builder().directory(dir).connectTimeout(Duration.ofSeconds(30)).build();
    }

    private Pipe named(String name) {
        Pipe pipe = Pipes.named(name, options());
        pipes.add(pipe);
        return pipe;
    }

    @Test
    void twoJvmsExchange100000MessagesBothWaysInOrder() throws Exception {
        int count = 100_000;
        Child child = start("exchange", dir.toString(), "bulk", Integer.toString(count));
        Pipe pipe = named("bulk");
        assertThat(entries()).isEmpty();

        Future<?> sending = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                pipe.write(Traffic.message("parent", i));
            }
        });
        for (int i = 0; i < count; i++) {
            Traffic.check("child", i, pipe.read(Duration.ofSeconds(30)));
        }
        sending.get(30, TimeUnit.SECONDS);

        assertThat(child.line(Duration.ofSeconds(30))).isEqualTo("RECEIVED " + count);
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).as(Files.readString(child.errors)).isZero();
    }

    @Test
    void twoJvmsStartedAtTheSameInstantPairEveryTime() throws Exception {
        int rounds = 50;
        Child one = start("rendezvous", dir.toString(), "round", Integer.toString(rounds));
        Child two = start("rendezvous", dir.toString(), "round", Integer.toString(rounds));

        assertThat(one.line(Duration.ofSeconds(50))).isEqualTo("PAIRED " + rounds);
        assertThat(two.line(Duration.ofSeconds(50))).isEqualTo("PAIRED " + rounds);
        assertThat(one.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(two.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(one.process.exitValue()).as(Files.readString(one.errors)).isZero();
        assertThat(two.process.exitValue()).as(Files.readString(two.errors)).isZero();
        assertThat(entries()).isEmpty();
    }

    @Test
    void aCreatorKilledWhileWaitingLeavesStaleFilesThatTheNextRendezvousReplaces() throws Exception {
        Child child = start("wait", dir.toString(), "jobs");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> entries().stream().map(p -> p.getFileName().toString()).toList()
                        .containsAll(List.of("jobs@to-creator.fifo", "jobs@to-opener.fifo")));
        child.process.destroyForcibly();
        assertThat(child.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(entries()).hasSize(3);

        try (OpenFifos stale = OpenFifos.hold(Posix.system(), dir.resolve("jobs@to-creator.fifo"),
                dir.resolve("jobs@to-opener.fifo"))) {
            Future<Pipe> other = threads.submit(() -> named("jobs"));
            Pipe one = named("jobs");
            Pipe two = other.get(10, TimeUnit.SECONDS);

            // Both ends hold the two FIFOs of the pair: fresh ones, not those the killed creator left.
            assertThat(stale.othersIn(dir)).hasSize(2).doesNotContainAnyElementsOf(stale.inodes());
            one.write("fresh FIFOs");
            assertThat(two.readString(Duration.ofSeconds(5))).isEqualTo("fresh FIFOs");
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void aCreatorUnderAUmaskThatClearsOwnerBitsStillMakesTheDirectory0700AndItsFifos0600() throws Exception {
        // pipc never calls umask (process-wide, racy): it verifies modes after creating and restores them.
        Path fresh = dir.resolve("fresh");
        Child child = start(List.of("/bin/sh", "-c", "umask 277 && exec \"$0\" \"$@\""),
                "exchange", fresh.toString(), "masked", "1");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(fresh.resolve("masked@to-opener.fifo")));
        assertThat(Files.getPosixFilePermissions(fresh)).isEqualTo(PosixFilePermissions.fromString("rwx------"));

        Pipe pipe = Pipes.named("masked", PipeOptions.builder().directory(fresh).connectTimeout(Duration.ofSeconds(30)).build());
        pipes.add(pipe);
        pipe.write(Traffic.message("parent", 0));
        Traffic.check("child", 0, pipe.read(Duration.ofSeconds(30)));

        assertThat(child.line(Duration.ofSeconds(30))).isEqualTo("RECEIVED 1");
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).as(Files.readString(child.errors)).isZero();
    }

    @Test
    void readAfterThePeerIsKilledMidStreamThrowsPeerClosedPromptlyAndWriteFailsToo() throws Exception {
        Child child = start("stream", dir.toString(), "flow");
        Pipe pipe = named("flow");
        assertThat(child.line(Duration.ofSeconds(30))).isEqualTo("CONNECTED");
        for (int i = 0; i < 1000; i++) {
            Traffic.check("child", i, pipe.read(Duration.ofSeconds(10)));
        }

        child.process.destroyForcibly();

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            int next = 1000;
            try {
                while (true) {
                    Traffic.check("child", next, pipe.read(Duration.ofSeconds(10)));
                    next++;
                }
            } catch (PeerClosedException e) {
                assertThat(e).hasMessageContaining("pipe 'flow'");
            }
            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(1))).isInstanceOf(PeerClosedException.class);
            assertThatThrownBy(() -> {
                while (true) {
                    pipe.write(new byte[1000]);
                }
            }).isInstanceOf(PeerClosedException.class);
        });
    }

    @Test
    void readAfterThePeerIsKilledMidFrameSaysHowMuchOfTheFrameArrived() throws Exception {
        Child child = start("half-frame", dir.toString(), "cut");
        Pipe pipe = named("cut");
        String[] half = child.line(Duration.ofSeconds(30)).split(" ");
        assertThat(half[0]).isEqualTo("HALF");
        long sent = Long.parseLong(half[1]);
        long frame = Long.parseLong(half[2]);

        child.process.destroyForcibly();

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(10))).isInstanceOfSatisfying(PeerClosedException.class, e -> {
                assertThat(e.endedMidFrame()).isTrue();
                assertThat(e.partialBytesReceived()).isEqualTo(sent);
                assertThat(e.partialBytesExpected()).isEqualTo(frame);
            }).hasMessageContaining(sent + " of " + frame + " bytes arrived");
            assertThatThrownBy(() -> {
                while (true) {
                    pipe.write(new byte[1000]);
                }
            }).isInstanceOf(PeerClosedException.class);
        });
        assertThat(pipe.size()).isZero();
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private Child start(String... args) throws IOException {
        return start(List.of(), args);
    }

    /** Starts a child JVM, its command line after {@code prefix} (e.g. a shell that sets a umask). */
    private Child start(List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Start fast: these children live for a second or two.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"),
                FifoPeerMain.class.getName()));
        command.addAll(List.of(args));
        Path errors = logs.resolve("child-" + children.size() + ".err");
        Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        Child child = new Child(process, errors);
        children.add(child);
        return child;
    }

    /** A child JVM and the lines it prints. */
    private final class Child {
        final Process process;
        final Path errors;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Child(Process process, Path errors) {
            this.process = process;
            this.errors = errors;
            threads.submit(() -> {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        lines.add(line);
                    }
                }
                return null;
            });
        }

        String line(Duration timeout) throws InterruptedException, IOException {
            String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(line).as("a line from child %d (alive: %s), whose standard error says:%n%s",
                    process.pid(), process.isAlive(), Files.readString(errors)).isNotNull();
            return line;
        }
    }
}
