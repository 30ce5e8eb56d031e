package io.pipc.integration;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * A server's own executor: at most {@code limit} threads, made as needed, the most recently idle
 * reused first, ended after a minute idle (a pool with no queue, as Spring Integration's NIO
 * adapters use by default, but bounded). A task given while every thread is busy waits here, and
 * the next thread to finish its task runs it; so no more than {@code limit} tasks run at once and
 * the pool never has more than {@code limit} threads.
 *
 * <p>Why not a pool of {@code limit} threads over a queue: its idle threads wait on the queue's
 * lock and condition in turn, so each task wakes the thread idle longest, through that lock,
 * while a hand-off with no queue gives it to the thread that finished last, which spins briefly
 * before it parks and so, under load, often takes it without being woken.
 *
 * <p>The threads come from the {@link ThreadPoolTaskExecutor} given, which keeps its thread
 * factory, name prefix and {@code TaskDecorator}; this executor sets its pool sizes and queue.
 * The decorator wraps each task handed to a thread; a task that waited runs within the
 * decoration of the task its thread had. A task the threads refuse after {@link #destroy()}
 * runs on the calling thread rather than being dropped.
 */
public final class ElasticTaskExecutor implements TaskExecutor, InitializingBean, DisposableBean {

    private static final Logger logger = LoggerFactory.getLogger(ElasticTaskExecutor.class);

    private static final Duration IDLE = Duration.ofMinutes(1);

    private final ThreadPoolTaskExecutor threads;

    private final int limit;

    /** Threads running a task or about to look at {@link #waiting} once more. */
    private final AtomicInteger busy = new AtomicInteger();

    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    private volatile boolean destroyed;

    /**
     * @param threads makes the threads; not initialized yet. Its core size becomes 0, its
     *        maximum {@code limit}, its queue none and its keep-alive a minute.
     * @param limit the most threads, and so the most tasks running at once; at least 1
     */
    public ElasticTaskExecutor(ThreadPoolTaskExecutor threads, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1 (was " + limit + ")");
        }
        this.threads = Objects.requireNonNull(threads, "threads");
        this.limit = limit;
        threads.setCorePoolSize(0);
        threads.setMaxPoolSize(limit);
        threads.setQueueCapacity(0);
        threads.setKeepAliveSeconds((int) IDLE.toSeconds());
    }

    /**
     * @param task runs now on an idle or new thread when there is one, else on the next thread
     *        to finish, after the tasks that waited before it
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (this.destroyed) {
            refused(task);
            return;
        }
        if (handOff(task)) {
            return;
        }
        // Every thread is busy: the task waits for one.
        this.waiting.add(task);
        handOverWaiting();
    }

    /**
     * After queuing a task: a busy thread looks at the queue again once its task ends, so only
     * when none is busy (each of the {@code limit} threads is between its last look and going
     * idle, for moments) must the queue be handed to a thread here.
     */
    private void handOverWaiting() {
        while (this.busy.get() == 0 && !this.waiting.isEmpty()) {
            if (this.destroyed) {
                Runnable left = this.waiting.poll();
                if (left != null) {
                    refused(left);
                }
                continue;
            }
            if (handOff(null)) {
                return;
            }
            Thread.yield();
        }
    }

    /**
     * @param first a task to run first, or null to take only waiting ones
     * @return whether an idle or new thread took it
     */
    private boolean handOff(@Nullable Runnable first) {
        try {
            this.threads.execute(() -> runThenTakeWaiting(first));
            return true;
        }
        catch (TaskRejectedException ex) {
            return false;
        }
    }

    private void runThenTakeWaiting(@Nullable Runnable first) {
        this.busy.incrementAndGet();
        try {
            if (first != null) {
                first.run();
            }
        }
        finally {
            takeWaiting();
        }
    }

    /** Runs waiting tasks until none is left; then this thread is no longer busy. */
    private void takeWaiting() {
        while (true) {
            Runnable next = this.waiting.poll();
            if (next != null) {
                runQuietly(next);
                continue;
            }
            this.busy.decrementAndGet();
            // A task queued while this thread counted as busy relies on it: look once more.
            if (this.waiting.isEmpty()) {
                return;
            }
            this.busy.incrementAndGet();
        }
    }

    private void runQuietly(Runnable task) {
        try {
            task.run();
        }
        catch (RuntimeException | Error ex) {
            logger.error("{}: a task failed: {}", this, ex.toString(), ex);
        }
    }

    private void refused(Runnable task) {
        logger.debug("{}: shut down; the calling thread runs a task", this);
        task.run();
    }

    /**
     * @return the most threads, and so the most tasks running at once
     */
    public int getLimit() {
        return this.limit;
    }

    /**
     * @return how many threads run tasks now
     */
    public int getBusy() {
        return this.busy.get();
    }

    /**
     * @return how many tasks wait for a thread
     */
    public int getWaiting() {
        return this.waiting.size();
    }

    @Override
    public void afterPropertiesSet() {
        this.threads.afterPropertiesSet();
    }

    @Override
    public void destroy() {
        this.destroyed = true;
        this.threads.destroy();
    }

    @Override
    public String toString() {
        return "ElasticTaskExecutor[" + this.threads.getThreadNamePrefix() + ", limit " + this.limit + ", "
                + this.busy.get() + " busy]";
    }
}
