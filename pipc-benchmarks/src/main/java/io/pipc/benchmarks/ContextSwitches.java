package io.pipc.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * How often this JVM's threads went to sleep ({@code voluntary_ctxt_switches}: a thread blocked
 * or parked and had to be woken) and were preempted ({@code nonvoluntary_ctxt_switches}), summed
 * over every thread alive now, from Linux's {@code /proc/self/task/<tid>/status}. A request path
 * that hands a message from thread to thread shows here as sleeps per request; each costs a
 * wake-up. Threads that ended meanwhile take their counts with them. Elsewhere than on Linux
 * there are no counts: {@link #now()} answers null.
 */
final class ContextSwitches {

    private static final Path TASKS = Path.of("/proc/self/task");

    /** The counts at one moment. */
    record Counts(long sleeps, long preemptions) {

        /** @return what happened between {@code before} and this */
        Counts since(Counts before) {
            return new Counts(sleeps - before.sleeps, preemptions - before.preemptions);
        }
    }

    private ContextSwitches() {
    }

    /**
     * @return the counts of every thread of this JVM, or null where {@code /proc} has none
     */
    static @Nullable Counts now() {
        if (!Files.isDirectory(TASKS)) {
            return null;
        }
        long sleeps = 0;
        long preemptions = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                Counts one = read(task.resolve("status"));
                if (one != null) {
                    sleeps += one.sleeps();
                    preemptions += one.preemptions();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return new Counts(sleeps, preemptions);
    }

    /**
     * @return the counts of the calling thread alone, or null where {@code /proc} has none
     */
    static @Nullable Counts ofThisThread() {
        return read(Path.of("/proc/thread-self/status"));
    }

    private static @Nullable Counts read(Path status) {
        try {
            long sleeps = -1;
            long preemptions = -1;
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    sleeps = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                    preemptions = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return (sleeps < 0 || preemptions < 0) ? null : new Counts(sleeps, preemptions);
        } catch (IOException | NumberFormatException e) {
            // Most often a NoSuchFileException: the thread ended between the listing and the read.
            return null;
        }
    }
}
