package io.pipc.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pipc.Pipe;
import io.pipc.Pipes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the sample the way a user does, as its own JVMs, and checks what it prints and how it
 * exits: the demo, its failure when the worker dies, the server mode and the load mode.
 */
@Timeout(180)
class SampleApplicationTests {

    @TempDir
    Path directory;

    private String pipcDirectory() {
        return "--pipc.directory=" + directory.resolve("pipc");
    }

    @Test
    void theDemoTalksToItsWorkerOverEveryTransportChecksEveryReplyAndExitsZero() throws Exception {
        try (SampleProcess sample = SampleProcess.start(directory.resolve("err.txt"), pipcDirectory(), "--sample.requests=300")) {
            int exit = sample.awaitExit();

            assertThat(exit).as("exit code; stderr: %s", Files.readString(directory.resolve("err.txt"))).isZero();
            assertThat(sample.output()).anyMatch(line -> line.matches(".*started a worker \\(pid \\d+\\) with PipeProcess.*"))
                    .anyMatch(line -> line.contains("fifo") && line.contains("THE QUICK BROWN FOX") && line.contains("300 round trips"))
                    .anyMatch(line -> line.contains("tcp") && line.contains("6 words") && line.contains("RTT"))
                    .anyMatch(line -> line.contains("unix") && line.contains("6 words") && line.contains("/s"))
                    .anyMatch(line -> line.contains("stdio") && line.contains("\"stop\" → \"bye\""))
                    .anyMatch(line -> line.contains("worker exited with 0; every reply was checked. OK"));
        }
    }

    @Test
    void theDemoFailsLoudlyWhenItsWorkerDies() throws Exception {
        try (SampleProcess sample = SampleProcess.start(directory.resolve("err.txt"), pipcDirectory(), "--sample.requests=1000000")) {
            Matcher worker = Pattern.compile("worker \\(pid (\\d+)\\)").matcher(sample.awaitLine("started a worker", 120));
            assertThat(worker.find()).isTrue();

            ProcessHandle.of(Long.parseLong(worker.group(1))).ifPresent(ProcessHandle::destroyForcibly);

            assertThat(sample.awaitExit()).isNotZero();
            assertThat(sample.output()).noneMatch(line -> line.contains("OK"))
                    .anyMatch(line -> line.contains("Application run failed"))
                    .anyMatch(line -> line.contains("PeerClosedException") && line.contains("closed without saying goodbye"));
        }
    }

    @Test
    void serveModeAnswersAPipcClientAndAPythonProgram() throws Exception {
        try (SampleProcess sample = SampleProcess.start(directory.resolve("err.txt"), pipcDirectory(),
                "--spring.profiles.active=serve", "--sample.port=0", "--sample.python-port=0")) {
            int nativePort = port(sample.awaitLine("server 'words'", 120));
            int pythonPort = port(sample.awaitLine("server 'python'", 120));

            try (Pipe client = Pipes.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), nativePort))) {
                client.write("count these four words");
                assertThat(client.readString(Duration.ofSeconds(30))).isEqualTo("4");
            }
            Process python = new ProcessBuilder("python3", "-c",
                    "from multiprocessing.connection import Client\n"
                            + "c = Client(('127.0.0.1', " + pythonPort + "))\n"
                            + "c.send_bytes(b'to be or not to be')\n"
                            + "print(c.recv_bytes().decode())\n")
                    .redirectErrorStream(true).start();
            assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String answer = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(answer).isEqualTo("6");
            assertThat(sample.process().isAlive()).as("a server keeps running").isTrue();
        }
    }

    @Test
    void loadModeChecksEveryReplyToConcurrentRequests() throws Exception {
        try (SampleProcess sample = SampleProcess.start(directory.resolve("err.txt"), pipcDirectory(),
                "--spring.profiles.active=load", "--sample.requests=2000", "--sample.concurrency=32")) {
            int exit = sample.awaitExit();
            // The application logs a failed run on standard output: show it with the exit code.
            assertThat(exit).as("exit code; stderr: %s; output: %s", Files.readString(directory.resolve("err.txt")),
                    String.join("\n", sample.output())).isZero();
            assertThat(sample.output()).anyMatch(line -> line.contains("2,000 requests, 32 at a time")
                    && line.contains("every reply matched its request"));
        }
    }

    private static int port(String line) {
        Matcher port = Pattern.compile(":(\\d+)\\s*$").matcher(line);
        assertThat(port.find()).as("a port in: %s", line).isTrue();
        return Integer.parseInt(port.group(1));
    }
}
