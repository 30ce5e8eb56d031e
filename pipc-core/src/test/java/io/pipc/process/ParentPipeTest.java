package io.pipc.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pipc.PipeProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Pipes.parent()} from the child's side: a child whose parent dies, and a process that
 * was not started by pipc at all. Both drive real JVMs started here, whose stdout and stderr
 * go to files this test reads.
 */
@Timeout(60)
class ParentPipeTest {

    private static final Duration PROMPTLY = Duration.ofSeconds(20);

    @RegisterExtension
    final SpawnedProcesses spawned = new SpawnedProcesses();

    @TempDir
    Path dir;

    @Test
    void aChildWhoseParentDiesSeesPeerClosedAndExitsOnItsOwnAndItsStderrReachedTheParents() throws Exception {
        Path middleErr = dir.resolve("middle.err");
        Process middle = spawned.track(PipeProcess.javaCommand(MiddleParent.class, ChildJvm.OPTIONS, List.of(dir.toString()))
                .redirectOutput(Redirect.DISCARD)
                .redirectError(middleErr.toFile())
                .start());
        Path pidFile = dir.resolve("grandchild.pid");
        await().atMost(PROMPTLY).until(() -> Files.exists(pidFile) || !middle.isAlive());
        assertThat(middle.isAlive()).as("the middle parent is up; its stderr: %s", read(middleErr)).isTrue();
        ProcessHandle grandchild = spawned.track(ProcessHandle.of(Long.parseLong(Files.readString(pidFile))).orElseThrow());
        // The grandchild wrote this to stderr before greeting its parent, which wrote the pid file after the greeting.
        assertThat(read(middleErr)).contains("grandchild stderr: hello from " + grandchild.pid());

        middle.destroyForcibly();

        Path saw = dir.resolve("grandchild.saw");
        await().atMost(PROMPTLY).until(() -> Files.exists(saw));
        assertThat(Files.readString(saw)).startsWith("PeerClosedException: ")
                .contains("the parent process " + middle.pid())
                .contains("without saying goodbye");
        assertThat(grandchild.onExit().get(PROMPTLY.toSeconds(), TimeUnit.SECONDS).isAlive()).isFalse();
    }

    @Test
    void aProcessNotStartedByPipcFailsWithinTheConnectTimeoutAndItsSystemOutGoesToStderr() throws Exception {
        Path out = dir.resolve("lonely.out");
        Path err = dir.resolve("lonely.err");
        // Stdin is a pipe from this test that never says anything: not a pipc parent.
        Process lonely = spawned.track(PipeProcess.javaCommand(LonelyChild.class, ChildJvm.OPTIONS, List.of())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start());

        assertThat(lonely.waitFor(PROMPTLY.toSeconds(), TimeUnit.SECONDS)).isTrue();

        String stderr = read(err);
        Matcher first = Pattern.compile("RESULT first: PipeTimeoutException after (\\d+) ms: (.*)").matcher(stderr);
        assertThat(first.find()).as("stderr: %s", stderr).isTrue();
        assertThat(Long.parseLong(first.group(1))).isBetween(1000L, PROMPTLY.toMillis());
        assertThat(first.group(2)).contains("did not complete the handshake in time")
                .contains("Pipes.parent() connects only in a process started by PipeProcess");
        assertThat(stderr).contains("RESULT second: PipeTimeoutException")
                .contains("STRAY after Pipes.parent");
        // Stdout got the child's half of the handshake, and nothing else.
        assertThat(read(out)).isEqualTo("PIPC\u0002\u0000\u0000\u0000");
        assertThat(lonely.exitValue()).isZero();
    }

    private static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    }
}
