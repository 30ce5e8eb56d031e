package io.pipc.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.Transport;

/**
 * A peer in another process dies ({@code kill -9}) or freezes ({@code kill -STOP}) while this
 * end is blocked in {@code read()}: how long until the read fails, and with what.
 */
final class PeerFailure {

    private PeerFailure() {
    }

    /** The times from the signal to the failed read, over several runs, and the first failure. */
    record Result(Transport transport, String signal, Duration heartbeat, List<Duration> times, String failure) {

        String row() {
            List<Duration> sorted = new ArrayList<>(this.times);
            Collections.sort(sorted);
            return "| " + Harness.name(this.transport) + " | " + ms(sorted.get(sorted.size() / 2)) + " | "
                    + ms(sorted.get(0)) + " – " + ms(sorted.get(sorted.size() - 1)) + " | " + this.times.size()
                    + " | " + this.failure + " |";
        }

        private static String ms(Duration duration) {
            return String.format("%.1f ms", duration.toNanos() / 1e6);
        }
    }

    /**
     * @param transport FIFO, UNIX, TCP or STDIO
     * @param signal {@code KILL} or {@code STOP}
     * @param heartbeat on both ends
     * @param runs how many times
     * @param directory a private directory
     * @return the times
     * @throws Exception when a run cannot be made
     */
    static Result run(Transport transport, String signal, Duration heartbeat, int runs, Path directory)
            throws Exception {
        List<Duration> times = new ArrayList<>();
        String failure = "";
        for (int i = 0; i < runs; i++) {
            try (PeerProcess peer = PeerProcess.start(transport, heartbeat, false, directory)) {
                CompletableFuture<Long> failed = new CompletableFuture<>();
                CompletableFuture<PipeException> why = new CompletableFuture<>();
                Thread reader = new Thread(() -> readUntilFailure(peer.pipe(), failed, why), "harness-reader");
                reader.setDaemon(true);
                reader.start();
                long signalled = System.nanoTime();
                if (signal.equals("KILL")) {
                    peer.process().destroyForcibly();
                }
                else {
                    peer.signal(signal);
                }
                long at = failed.get(120, TimeUnit.SECONDS);
                times.add(Duration.ofNanos(at - signalled));
                if (failure.isEmpty()) {
                    PipeException ex = why.get();
                    failure = ex.getClass().getSimpleName() + ": \"" + ex.getMessage().replace(peer.pipe().name(), "…")
                            + "\"";
                }
                if (signal.equals("STOP")) {
                    peer.signal("CONT");
                }
            }
        }
        return new Result(transport, signal, heartbeat, times, failure);
    }

    private static void readUntilFailure(Pipe pipe, CompletableFuture<Long> failed, CompletableFuture<PipeException> why) {
        try {
            while (true) {
                pipe.read();
            }
        }
        catch (PipeException ex) {
            failed.complete(System.nanoTime());
            why.complete(ex);
        }
    }
}
