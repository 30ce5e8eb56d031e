package io.pipc.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import org.junit.jupiter.api.Assumptions;

/**
 * What the calling thread allocates, by the JVM's per-thread counter: for tests that bound the
 * bytes a message costs on the thread that writes or reads it.
 */
public final class Allocations {

    private Allocations() {
    }

    /**
     * The fewest bytes this thread allocated per round over batches of rounds: what the compiled
     * loop allocates. A batch run before the JIT has compiled it (on a slow machine, the first
     * hundreds of thousands of rounds) allocates objects that escape analysis later removes.
     * Skips the test when this JVM cannot count a thread's allocations.
     *
     * @param batches how many batches to take the least of
     * @param rounds rounds per batch
     * @param round one round
     * @return the least bytes per round
     */
    public static long leastPerRound(int batches, int rounds, Runnable round) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count a thread's allocations");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        long thread = Thread.currentThread().getId();
        long least = Long.MAX_VALUE;
        for (int batch = 0; batch < batches; batch++) {
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < rounds; i++) {
                round.run();
            }
            least = Math.min(least, (threads.getThreadAllocatedBytes(thread) - before) / rounds);
        }
        return least;
    }
}
