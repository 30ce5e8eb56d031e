package io.pipc.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged sample, run as a user runs it: {@code java -jar}, on the JDK of the build. The
 * build processed it ahead of time ({@code spring-boot:process-aot}), so that it also runs with
 * {@code -Dspring.aot.enabled=true}; and neither it nor the worker it starts prints a JVM
 * warning (on JDK 22 and later, jffi's native access and its use of {@code sun.misc.Unsafe}
 * would).
 */
@Timeout(180)
class SampleJarIT {

    @TempDir
    Path directory;

    @Test
    void processedAheadOfTimeTheDemoRunsOverEveryTransportWithoutAWarning() throws Exception {
        Path errors = directory.resolve("err.txt");
        try (SampleProcess sample = SampleProcess.startJar(errors, List.of("-Dspring.aot.enabled=true"),
                "--pipc.directory=" + directory.resolve("pipc"), "--sample.requests=300",
                "--logging.level.io.pipc.sample.SampleApplication=info")) {
            int exit = sample.awaitExit();

            assertThat(exit).as("exit code; stderr: %s", Files.readString(errors)).isZero();
            assertThat(sample.output()).anyMatch(line -> line.contains("Starting AOT-processed SampleApplication"))
                    .anyMatch(line -> line.contains("fifo") && line.contains("300 round trips"))
                    .anyMatch(line -> line.contains("tcp") && line.contains("6 words"))
                    .anyMatch(line -> line.contains("unix") && line.contains("6 words"))
                    .anyMatch(line -> line.contains("worker exited with 0; every reply was checked. OK"));
            assertThat(Files.readAllLines(errors)).as("standard error of the sample and its worker")
                    .noneMatch(line -> line.startsWith("WARNING"));
        }
    }

    @Test
    void processedAheadOfTimeForTheDemoTheServeProfileFailsSayingWhy() throws Exception {
        Path errors = directory.resolve("err.txt");
        try (SampleProcess sample = SampleProcess.startJar(errors, List.of("-Dspring.aot.enabled=true"),
                "--pipc.directory=" + directory.resolve("pipc"), "--spring.profiles.active=serve", "--sample.port=0",
                "--sample.python-port=0")) {
            assertThat(sample.awaitExit()).isNotZero();
            assertThat(sample.output()).anyMatch(line -> line.contains("pipc.servers.words has no bean 'wordsPipeServer':"
                    + " the application was processed ahead of time (AOT) with other pipc entries"));
        }
    }
}
