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

    static SampleProcess start(Path errors, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                SampleApplication.class.getName()));
        command.addAll(List.of(args));
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
