package io.pipc.integration;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskDecorator;
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
 * factory and name prefix; this executor sets its pool sizes, queue and rejection. Its
 * {@code TaskDecorator}, when it is a {@link Threads} (as the builders' {@code configure} makes
 * it), decorates each task once, on the thread that submits it, as {@code ThreadPoolTaskExecutor}
 * does: a task runs within its own decoration (its security context, MDC, observation), whether
 * it ran at once or waited. A task the threads refuse after {@link #destroy()} runs on the
 * calling thread rather than being dropped.
 */
public final class ElasticTaskExecutor implements TaskExecutor, InitializingBean, DisposableBean {

    private static final Logger logger = LoggerFactory.getLogger(ElasticTaskExecutor.class);

    private static final Duration IDLE = Duration.ofMinutes(1);

    private final ThreadPoolTaskExecutor threads;

    private final @Nullable TaskDecorator decorator;

    private final int limit;

    /** The pool's pool: tasks go to it directly, so a refusal costs no message and no lock. */
    private volatile @Nullable ThreadPoolExecutor pool;

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
        this.decorator = (threads instanceof Threads captured) ? captured.decorator : null;
        this.limit = limit;
        threads.setCorePoolSize(0);
        threads.setMaxPoolSize(limit);
        threads.setQueueCapacity(0);
        threads.setKeepAliveSeconds((int) IDLE.toSeconds());
        // Refusal is how "every thread is busy" is told, often: whatever policy a customizer set
        // (caller runs, discard) would run or lose the task instead.
        threads.setRejectedExecutionHandler(BUSY);
    }

    /**
     * @param task runs now on an idle or new thread when there is one, else on the next thread
     *        to finish, after the tasks that waited before it
     */
    @Override
    public void execute(Runnable given) {
        Objects.requireNonNull(given, "task");
        TaskDecorator decorating = this.decorator;
        Runnable task = (decorating != null) ? decorating.decorate(given) : given;
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
     * After queuing a task: a busy thread looks at the queue again once its task ends, so when all
     * {@code limit} threads are busy the task is theirs. Fewer busy means a thread is idle (the
     * hand-off succeeds), between tasks (try again), or gone (a new one is made).
     */
    private void handOverWaiting() {
        while (this.busy.get() < this.limit && !this.waiting.isEmpty()) {
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
        ThreadPoolExecutor executor = this.pool;
        if (executor == null) {
            executor = this.threads.getThreadPoolExecutor();
            this.pool = executor;
        }
        try {
            executor.execute(() -> runThenTakeWaiting(first));
            return true;
        }
        catch (RejectedExecutionException ex) {
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
                if (!this.destroyed) {
                    // As a pool's worker does before each task: an interrupt meant for the last one ends with it.
                    Thread.interrupted();
                }
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

    /** Refuses a task with one exception made once: a refusal means only that every thread is busy. */
    private static final RejectedExecutionHandler BUSY = new RejectedExecutionHandler() {

        private final RejectedExecutionException busy = new RejectedExecutionException("every thread is busy") {

            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };

        @Override
        public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
            throw this.busy;
        }
    };

    /**
     * The threads of an {@link ElasticTaskExecutor}, to be configured by a builder
     * ({@code ThreadPoolTaskExecutorBuilder.configure(new ElasticTaskExecutor.Threads())}): it
     * keeps the {@code TaskDecorator} it is given for the elastic executor, which decorates each
     * task on the thread that submits it, instead of decorating what its threads are handed.
     */
    public static class Threads extends ThreadPoolTaskExecutor {

        private static final long serialVersionUID = 1L;

        private transient @Nullable TaskDecorator decorator;

        @Override
        public void setTaskDecorator(TaskDecorator taskDecorator) {
            this.decorator = taskDecorator;
        }
    }
}
