package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.process.ChildJvm;
import io.pipc.process.EchoChild;
import io.pipc.process.SpawnedProcesses;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child processes with a pipe, from the parent's side: Java children on this classpath and a
 * Python program speaking the native wire.
 */
@Timeout(60)
class PipeProcessTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @RegisterExtension
    final SpawnedProcesses spawned = new SpawnedProcesses();

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @TempDir
    Path dir;

    @AfterEach
    void stopThreads() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static PipeProcess startEcho(PipeOptions options, String... args) {
        return PipeProcess.start(PipeProcess.javaCommand(EchoChild.class, ChildJvm.OPTIONS, List.of(args)), options);
    }

    private static ProcessBuilder python(String... args) throws URISyntaxException {
        Path script = Path.of(Objects.requireNonNull(PipeProcessTest.class.getResource("process/echo_child.py")).toURI());
        ProcessBuilder builder = new ProcessBuilder("python3", script.toString());
        builder.command().addAll(List.of(args));
        return builder;
    }

    /**
     * Writes to a dead peer throw rather than block. StreamPipe wakes readers with the failure a
     * moment before it refuses writes, so one write right after the failed read may still be
     * accepted (and dropped); the next one throws.
     */
    private static void assertWritesFail(Pipe pipe) {
        await().atMost(PROMPTLY).untilAsserted(() ->
                assertThatThrownBy(() -> pipe.write("to nobody")).isInstanceOf(PeerClosedException.class));
    }

    @Test
    void aJavaChildWithTheSameSecretEchoesEveryMessageAndExitsWithZeroOnceThePipeCloses() throws Exception {
        PipeProcess child = startEcho(PipeOptions.builder().secret("shared").build(), "secret=shared");
        Pipe pipe = child.pipe();
        assertThat(pipe.transport()).isEqualTo(Transport.STDIO);
        assertThat(pipe.name()).isEqualTo("child-" + child.pid());

        for (int size : new int[] {0, 1, 100_000, 4 * 1024 * 1024}) {
            byte[] message = new byte[size];
            new Random(size).nextBytes(message);
            pipe.write(message);
            assertThat(pipe.read(PROMPTLY)).isEqualTo(message);
        }
        pipe.write(new Envelope("with headers".getBytes(), "corr-7", "text/plain"));
        Envelope echoed = pipe.readEnvelope(PROMPTLY);
        assertThat(echoed.correlationId()).isEqualTo("corr-7");
        assertThat(echoed.contentType()).isEqualTo("text/plain");

        int count = 10_000;
        Future<?> writer = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                pipe.write(ByteBuffer.allocate(4).putInt(i).array());
            }
        });
        for (int i = 0; i < count; i++) {
            assertThat(ByteBuffer.wrap(pipe.read(PROMPTLY)).getInt()).isEqualTo(i);
        }
        writer.get(10, TimeUnit.SECONDS);

        assertThatThrownBy(child::exitCode).isInstanceOf(IllegalStateException.class).hasMessageContaining("still running");
        assertThat(child.isAlive()).isTrue();

        child.close();

        assertThat(child.isAlive()).isFalse();
        assertThat(child.exitCode()).isZero();
        assertThat(pipe.isOpen()).isFalse();
    }

    @Test
    void theChildsSystemOutGoesToStderrAndPipesParentIsOnePipePerProcess() {
        PipeProcess child = startEcho(PipeOptions.defaults());
        Pipe pipe = child.pipe();

        pipe.write("stray");
        assertThat(pipe.readString(PROMPTLY)).isEqualTo("printed");
        pipe.write("the wire is intact");
        assertThat(pipe.readString(PROMPTLY)).isEqualTo("the wire is intact");

        pipe.write("same-parent");
        assertThat(pipe.readString(PROMPTLY)).isEqualTo("true");
        pipe.write("other-options");
        assertThat(pipe.readString(PROMPTLY)).startsWith("IllegalStateException").contains("equal options");

        child.close();
        assertThat(child.exitCode()).isZero();
    }

    @Test
    void aChildThatWritesAndExitsWithOneDeliversEverythingThenFailsTheParentsReadWithPeerClosed() {
        // A small inbound queue: the parent stops taking the child's output until the test reads.
        PipeProcess child = startEcho(PipeOptions.builder().queueCapacity(16, 1024 * 1024).build());
        Path exiting = dir.resolve("exiting");
        child.pipe().write("exit 1 " + exiting);
        // The child calls System.exit with most of its messages still queued behind a parent that does not read.
        await().atMost(PROMPTLY).until(() -> Files.exists(exiting));

        for (int i = 0; i < EchoChild.LAST_MESSAGES; i++) {
            byte[] message = child.pipe().read(PROMPTLY);
            assertThat(message).hasSize(EchoChild.LAST_MESSAGE_SIZE);
            assertThat(ByteBuffer.wrap(message).getInt()).isEqualTo(i);
        }
        assertThatThrownBy(() -> child.pipe().read(PROMPTLY)).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("child process " + child.pid());
        assertThat(child.waitFor(PROMPTLY)).isTrue();
        assertThat(child.exitCode()).isEqualTo(1);
    }

    @Test
    void aJavaChildThatPrintsBeforePipesParentFailsTheHandshakeShowingWhatItPrinted() {
        assertThatThrownBy(() -> startEcho(PipeOptions.defaults(), "banner"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("\"BANNER")
                .hasMessageContaining("a Java child calls Pipes.parent() before printing anything");
    }

    @Test
    void aChildWithAnotherSecretIsRefusedAndKilled() {
        PipeOptions secret = PipeOptions.builder().secret("parent's secret").build();

        assertThatThrownBy(() -> startEcho(secret, "secret=another secret"))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("EchoChild")
                .hasMessageContaining("was killed");
    }

    @Test
    void aChildKilledMidConversationFailsReadsAndWritesPromptlyAndReportsMinusNine() {
        PipeProcess child = startEcho(PipeOptions.defaults());
        Pipe pipe = child.pipe();
        pipe.write("before");
        assertThat(pipe.readString(PROMPTLY)).isEqualTo("before");

        child.destroyForcibly();

        assertThatThrownBy(() -> pipe.read(PROMPTLY)).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("without saying goodbye");
        assertWritesFail(pipe);
        assertThat(child.waitFor(PROMPTLY)).isTrue();
        assertThat(child.exitCode()).isEqualTo(-9);
    }

    @Test
    void aChildKilledMidFrameIsReportedWithHowMuchOfTheFrameArrived() {
        PipeOptions quiet = PipeOptions.builder().heartbeat(Duration.ZERO).build();
        PipeProcess child = startEcho(quiet, "quiet");
        Path marker = dir.resolve("half-frame-written");
        child.pipe().write("half-frame " + marker);
        assertThat(child.pipe().readString(PROMPTLY)).isEqualTo("whole");
        await().atMost(PROMPTLY).until(() -> Files.exists(marker));

        child.destroyForcibly();

        assertThatThrownBy(() -> child.pipe().read(PROMPTLY))
                .isInstanceOfSatisfying(PeerClosedException.class, e -> {
                    assertThat(e.partialBytesReceived()).isEqualTo(15);
                    assertThat(e.partialBytesExpected()).isEqualTo(105);
                })
                .hasMessageContaining("15 of 105");
        assertWritesFail(child.pipe());
        assertThat(child.waitFor(PROMPTLY)).isTrue();
        assertThat(child.exitCode()).isEqualTo(-9);
    }

    @Test
    void aPythonProgramSpeakingTheNativeWireIsAChildLikeAnyOther() throws Exception {
        ProcessBuilder builder = python();
        PipeProcess child = PipeProcess.start(builder);
        Pipe pipe = child.pipe();

        pipe.write("hello from Java");
        assertThat(pipe.readString(PROMPTLY)).isEqualTo("hello from Java");
        byte[] large = new byte[200_000];
        new Random(3).nextBytes(large);
        pipe.write(large);
        assertThat(pipe.read(PROMPTLY)).isEqualTo(large);
        pipe.write(new Envelope(new byte[] {1, 2, 3}, "corr-py", "application/octet-stream"));
        assertThat(pipe.readEnvelope(PROMPTLY).correlationId()).isEqualTo("corr-py");
        assertThat(builder.redirectError()).as("the builder is left as given").isEqualTo(Redirect.PIPE);

        child.close();

        assertThat(child.exitCode()).isZero();
    }

    @Test
    void destroyAsksTheChildToTerminateWhichReportsMinusFifteen() throws Exception {
        PipeProcess child = PipeProcess.start(python());

        child.destroy();

        assertThatThrownBy(() -> child.pipe().read(PROMPTLY)).isInstanceOf(PeerClosedException.class);
        assertThat(child.waitFor(PROMPTLY)).isTrue();
        assertThat(child.exitCode()).isEqualTo(-15);
        assertThat(child.toString()).contains("exited -15");
    }

    @Test
    void closeTerminatesAChildThatStaysAfterThePipeEnds() throws Exception {
        PipeProcess child = PipeProcess.start(python("stay"));

        child.close(Duration.ofMillis(200));

        assertThat(child.isAlive()).isFalse();
        assertThat(child.exitCode()).isEqualTo(-15);
    }

    @Test
    void closeKillsAChildThatAlsoIgnoresTheRequestToTerminate() throws Exception {
        PipeProcess child = PipeProcess.start(python("stubborn"));

        child.close(Duration.ofMillis(200));

        assertThat(child.isAlive()).isFalse();
        assertThat(child.exitCode()).isEqualTo(-9);
    }

    @Test
    void aProgramThatCannotBeStartedFailsNamingTheCommand() {
        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("/nonexistent/pipc-no-such-program", "--flag")))
                .isExactlyInstanceOf(PipeException.class)
                .hasMessageContaining("cannot start child process")
                .hasMessageContaining("/nonexistent/pipc-no-such-program --flag");
    }

    @Test
    void aChildThatNeverAnswersTheHandshakeTimesOutAndIsKilled() {
        PipeOptions quick = PipeOptions.builder().connectTimeout(Duration.ofMillis(500)).build();

        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("sleep", "60"), quick))
                .isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("sleep 60")
                .hasMessageContaining("was killed")
                .hasMessageContaining("connectTimeout PT0.5S");
        assertThat(ProcessHandle.current().children())
                .noneMatch(p -> p.info().command().orElse("").endsWith("sleep"));
    }

    @Test
    void aChildThatPrintsBeforeThePrefaceIsRefusedAsAProtocolError() {
        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("echo", "hello")))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("echo hello")
                .hasMessageContaining("\"hello")
                .hasMessageContaining("Pipes.parent()");
    }

    @Test
    void aChildThatExitsBeforeTheHandshakeIsReportedWithItsExitCode() {
        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("sh", "-c", "exit 3")))
                .isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("sh -c exit 3")
                .hasMessageContaining("exited with code 3 before completing the handshake");
    }

    @Test
    void redirectingTheStreamsThatCarryThePipeIsRefused() {
        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("cat").redirectInput(Redirect.from(new File("/dev/null")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdin of cat");
        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("cat").redirectOutput(Redirect.DISCARD)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdout of cat");
        assertThatThrownBy(() -> PipeProcess.start(new ProcessBuilder("cat").redirectErrorStream(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redirectErrorStream");
    }

    @Test
    void startJavaRefusesAClassWithoutMain() {
        assertThatThrownBy(() -> PipeProcess.startJava(PipeProcessTest.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PipeProcessTest.class.getName())
                .hasMessageContaining("public static void main(String[])");
    }
}
