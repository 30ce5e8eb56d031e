package io.pipc.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** A thread factory that remembers every thread it made, so a test can wait for all of them to end. */
public final class RecordingThreadFactory implements ThreadFactory {

    private final String prefix;
    private final List<Thread> made = new CopyOnWriteArrayList<>();

    /**
     * @param prefix the threads' names begin with it
     */
    public RecordingThreadFactory(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + "-" + made.size());
        thread.setDaemon(true);
        made.add(thread);
        return thread;
    }

    /**
     * @return every thread made so far
     */
    public List<Thread> made() {
        return List.copyOf(made);
    }

    /**
     * Fails unless every thread made so far has ended within {@code timeout}.
     *
     * @param timeout how long to wait for all of them together
     * @throws InterruptedException when the test is interrupted
     */
    public void assertAllEndWithin(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : made) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        assertThat(made).as("threads made by the factory").noneMatch(Thread::isAlive);
    }
}
