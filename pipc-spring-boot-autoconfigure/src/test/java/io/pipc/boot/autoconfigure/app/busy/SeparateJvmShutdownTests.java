package io.pipc.boot.autoconfigure.app.busy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BusyEndpointsApplication} in its own JVM, stopped with SIGTERM ({@link Process#destroy()})
 * while its three peers (TCP, Unix socket, FIFO) stream to it from this JVM: every request a
 * peer wrote successfully is answered, every message fed through the FIFO is handled, every
 * peer is told goodbye, and the process exits as a JVM does on SIGTERM (143) once all that is
 * done.
 */
@Timeout(180)
class SeparateJvmShutdownTests {

    /** Messages each peer has had answered, or written, before the signal. */
    private static final int STREAMED = 3_000;

    @TempDir
    Path directory;

    @Test
    void sigtermWhileThreePeersStreamAnswersEverythingAndSaysGoodbyeToEach() throws Exception {
        try (BusyEndpointsProcess app = BusyEndpointsProcess.start(this.directory)) {
            try {
                app.awaitStreaming(STREAMED);

                app.process().destroy();

                assertThat(app.tcp().assertEverythingAnsweredAndGoodbye("tcp:")).isGreaterThan(STREAMED);
                assertThat(app.unix().assertEverythingAnsweredAndGoodbye("unix:")).isGreaterThan(STREAMED);
                int fed = app.feed().assertEverythingAnsweredAndGoodbye(null);
                assertThat(app.process().waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
                assertThat(app.process().exitValue()).as("the exit status of a JVM stopped by SIGTERM").isEqualTo(143);
                assertThat(app.output()).contains("feed handled " + fed + " messages in order")
                        .doesNotContain("grace period ran out").doesNotContain("no subscribers");
            }
            catch (AssertionError | RuntimeException ex) {
                throw new AssertionError(ex.getMessage() + "\n--- the application's output ---\n" + app.output(), ex);
            }
        }
    }
}
