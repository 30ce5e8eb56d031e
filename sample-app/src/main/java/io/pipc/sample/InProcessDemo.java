package io.pipc.sample;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.pipc.PipePair;
import io.pipc.Pipes;

import org.springframework.boot.CommandLineRunner;
import org.springframework.stereotype.Component;

/**
 * Two threads talking over an in-process pipe: a worker that uppercases every message it
 * reads, and the main thread that sends messages, checks the replies and reports the rate.
 */
@Component
class InProcessDemo implements CommandLineRunner {

    private static final int MESSAGES = 200_000;

    private final PrintStream out = System.out;

    @Override
    public void run(String... args) throws Exception {
        try (PipePair pair = Pipes.pair()) {
            CompletableFuture<Void> worker = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < MESSAGES; i++) {
                    pair.right().write(pair.right().readString().toUpperCase());
                }
            });

            pair.left().write("hello, pipc");
            String reply = pair.left().readString(Duration.ofSeconds(5));
            out.println("in-process: sent 'hello, pipc', the worker answered '" + reply + "'");
            check(reply.equals("HELLO, PIPC"), "unexpected reply " + reply);

            long start = System.nanoTime();
            for (int i = 1; i < MESSAGES; i++) {
                pair.left().write("message " + i);
                String answer = pair.left().readString(Duration.ofSeconds(5));
                check(answer.equals("MESSAGE " + i), "reply " + i + " was " + answer);
            }
            long nanos = System.nanoTime() - start;
            worker.get();
            out.printf("in-process: %,d request/reply round trips, %.1f µs each, %,.0f round trips/s%n",
                    MESSAGES - 1, nanos / 1000.0 / (MESSAGES - 1), (MESSAGES - 1) * 1e9 / nanos);
        }
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException(failure);
        }
    }
}
