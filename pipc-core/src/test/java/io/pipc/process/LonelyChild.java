package io.pipc.process;

import java.time.Duration;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Pipes;

/**
 * A process not started by pipc that calls {@code Pipes.parent} anyway, for the tests. It
 * reports on stderr what two calls threw and how long the first took, then prints a line to
 * {@code System.out}.
 */
public final class LonelyChild {

    private LonelyChild() {
    }

    public static void main(String[] args) {
        PipeOptions quick = PipeOptions.builder().connectTimeout(Duration.ofSeconds(1)).build();
        long start = System.nanoTime();
        try {
            Pipes.parent(quick);
            System.err.println("RESULT first: connected");
        } catch (PipeException e) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.err.println("RESULT first: " + e.getClass().getSimpleName() + " after " + millis + " ms: " + e.getMessage());
        }
        try {
            Pipes.parent(quick);
            System.err.println("RESULT second: connected");
        } catch (PipeException e) {
            System.err.println("RESULT second: " + e.getClass().getSimpleName());
        }
        System.out.println("STRAY after Pipes.parent");
    }
}
