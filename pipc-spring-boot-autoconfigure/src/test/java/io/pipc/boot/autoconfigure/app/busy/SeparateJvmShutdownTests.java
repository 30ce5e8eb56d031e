package io.pipc.boot.autoconfigure.app.busy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.Pipes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link BusyEndpointsApplication} in its own JVM, stopped with SIGTERM ({@link Process#destroy()})
 * while its three peers (TCP, Unix socket, FIFO) stream to it from this JVM: every request a
 * peer wrote successfully is answered, every message fed through the FIFO is handled, every
 * peer is told goodbye, and the process exits as a JVM does on SIGTERM (143) once all that is
 * done.
 */
@Timeout(180)
class SeparateJvmShutdownTests {

    /** Messages each peer has written before the signal. */
    private static final int STREAMED = 3_000;

    @TempDir
    Path directory;

    @Test
    void sigtermWhileThreePeersStreamAnswersEverythingAndSaysGoodbyeToEach() throws Exception {
        Path log = this.directory.resolve("app.log");
        Path portFile = this.directory.resolve("tcp.port");
        Path pipes = Files.createDirectory(this.directory.resolve("pipes"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BusyEndpointsApplication.class.getName(),
                "--spring.main.banner-mode=off", "--pipc.directory=" + pipes, "--busy.port-file=" + portFile));
        for (String property : BusyEndpoints.properties()) {
            command.add("--" + property);
        }
        CompletableFuture<Pipe> feedPeer = BusyEndpoints.fifoPeer(pipes);
        Process app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pipe feed = feedPeer.get(90, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile));
            int port = Integer.parseInt(Files.readString(portFile));
            try (StreamingPeer tcpPeer = new StreamingPeer("tcp",
                    Pipes.connect(new InetSocketAddress("127.0.0.1", port)), "tcp:").start();
                    StreamingPeer unixPeer = new StreamingPeer("unix",
                            Pipes.connect(UnixDomainSocketAddress.of(pipes.resolve("unix.sock"))), "unix:").start();
                    StreamingPeer fifoPeer = new StreamingPeer("feed", feed, null).start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> tcpPeer.replies() > STREAMED
                        && unixPeer.replies() > STREAMED && fifoPeer.written() > STREAMED);

                app.destroy();

                assertThat(tcpPeer.assertEverythingAnsweredAndGoodbye("tcp:")).isGreaterThan(STREAMED);
                assertThat(unixPeer.assertEverythingAnsweredAndGoodbye("unix:")).isGreaterThan(STREAMED);
                int fed = fifoPeer.assertEverythingAnsweredAndGoodbye(null);
                assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
                assertThat(app.exitValue()).as("the exit status of a JVM stopped by SIGTERM").isEqualTo(143);
                assertThat(Files.readString(log)).contains("feed handled " + fed + " messages in order")
                        .doesNotContain("grace period ran out").doesNotContain("no subscribers");
            }
        }
        catch (AssertionError | RuntimeException ex) {
            throw new AssertionError(ex.getMessage() + "\n--- the application's output ---\n" + output(log), ex);
        }
        finally {
            app.destroyForcibly();
        }
    }

    private static String output(Path log) {
        try {
            return Files.readString(log);
        }
        catch (IOException ex) {
            return "(unreadable: " + ex + ")";
        }
    }
}
