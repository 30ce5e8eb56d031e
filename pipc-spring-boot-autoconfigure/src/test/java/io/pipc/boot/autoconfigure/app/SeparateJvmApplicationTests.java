package io.pipc.boot.autoconfigure.app;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.app.sample.SampleStyleApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Starts {@link SampleStyleApplication} as a separate JVM with its server on a Unix socket, and
 * talks to it from this JVM with nothing but {@link Pipes#connect}: the request is answered by
 * the other process, which keeps running after its main thread returned, and which says
 * goodbye to the client when it is stopped.
 */
@Timeout(90)
class SeparateJvmApplicationTests {

    @TempDir
    Path directory;

    @Test
    void otherProcessAnswersAndSaysGoodbyeWhenStopped() throws Exception {
        Path log = this.directory.resolve("app.log");
        Process app = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                SampleStyleApplication.class.getName(),
                "--spring.main.banner-mode=off",
                "--pipc.directory=" + this.directory,
                "--pipc.servers.api.transport=unix",
                "--pipc.servers.api.codec=string",
                "--pipc.servers.api.gateway=true",
                "--pipc.servers.api.inbound-channel=requests"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            UnixDomainSocketAddress address = UnixDomainSocketAddress.of(this.directory.resolve("api.sock"));
            Pipe client = await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(PipeException.class)
                    .until(() -> Pipes.connect(address), (pipe) -> pipe != null);

            client.write("hello from " + ProcessHandle.current().pid());

            assertThat(client.readString(Duration.ofSeconds(20)))
                    .isEqualTo("answered by pid " + app.pid() + ": hello from " + ProcessHandle.current().pid());
            assertThat(app.isAlive()).as("kept running after main returned").isTrue();

            app.destroy();

            assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
            // An orderly goodbye, not a dropped connection (which says "without saying goodbye").
            assertThatExceptionOfType(PeerClosedException.class).isThrownBy(() -> client.read(Duration.ofSeconds(10)))
                    .withMessageEndingWith(" closed").withMessageNotContaining("without saying goodbye");
            client.close();
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
