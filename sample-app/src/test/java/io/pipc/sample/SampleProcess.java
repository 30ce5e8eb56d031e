package io.pipc.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The sample application started as its own JVM, the way a user runs it, with its standard
 * output read line by line as it comes.
 */
final class SampleProcess implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;

    private SampleProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param errors where its standard error goes
     * @param args the application's arguments
     * @return the sample, started from the test's classpath
     */
    static SampleProcess start(Path errors, String... args) throws IOException {
        List<String> command = java(List.of("--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SampleApplication.class.getName()));
        command.addAll(List.of(args));
        return start(errors, command);
    }

    /**
     * @param errors where its standard error goes
     * @param jvmOptions options of the JVM, besides the test's own
     * @param args the application's arguments
     * @return the sample, started from its executable jar as a user runs it (the build's package phase made it)
     */
    static SampleProcess startJar(Path errors, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = java(jvmOptions);
        command.addAll(List.of("-jar", Path.of("target", "pipc-sample-app.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return start(errors, command);
    }

    private static List<String> java(List<String> jvmOptions) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        return command;
    }

    private static SampleProcess start(Path errors, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors.toFile());
        return new SampleProcess(builder.start());
    }

    /**
     * @param fragment what a line must contain
     * @param seconds how long to wait for it
     * @return the first line containing it
     */
    String awaitLine(String fragment, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (String line : seen) {
            if (line.contains(fragment)) {
                return line;
            }
        }
        while (true) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no line containing '" + fragment + "' within " + seconds + " s; output so far: " + seen);
            }
            seen.add(line);
            if (line.contains(fragment)) {
                return line;
            }
        }
    }

    /**
     * @return the exit code, once the process has ended (within 120 s)
     */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            throw new AssertionError("the sample did not exit within 120 s; output so far: " + seen);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        lines.drainTo(seen);
        return process.exitValue();
    }

    List<String> output() {
        lines.drainTo(seen);
        return seen;
    }

    Process process() {
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
