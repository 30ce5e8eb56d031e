package io.pipc.integration;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import io.pipc.posix.ThreadWaits;
import io.pipc.transport.AdaptiveSpin;

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
 * adapters use by default, but bounded). No more than {@code limit} tasks run at once and the pool
 * never has more than {@code limit} threads; a task given while every thread is busy waits here,
 * in order, and the next thread to finish runs it.
 *
 * <p>Why not a pool of {@code limit} threads over a queue: its idle threads wait on the queue's
 * lock and condition in turn, so each task wakes the thread idle longest, through that lock,
 * while a hand-off with no queue gives it to the thread that finished last. Nor are idle threads
 * left in the pool's own hand-off queue: a thread that has just finished is not in it yet, and a
 * task given meanwhile could only be refused, or wait (spinning) until the thread got there, which
 * a thread preempted on its way could make a millisecond and more. An idle thread parks here
 * instead, after it looked at the waiting tasks once more, and is handed the next task directly.
 *
 * <p>A task is not handed to an idle thread when a busy one will soon be free: waking a parked
 * thread costs both threads a system call and a trip through the scheduler, and with a flow that
 * returns at once that was about half of a server's CPU per request (the fan-in benchmark at 1024
 * clients, 2 cores: 18 to 19 µs per request with a wake-up for each, 8 to 9 µs with each flow run
 * on the event loop itself). So a task given while some threads are busy waits for them when the
 * waiting tasks, one after the other at the mean time a task has taken here, would all have
 * started within 200 µs ({@code waiting × mean ≤ patience × busy}) and a task ended within the
 * last 200 µs (busy threads that finished nothing lately may be held by a slow flow); otherwise an
 * idle or new thread takes it, as a task given while no thread is busy always does. Until tasks
 * have been timed, they count as slow: each gets a thread. A thread that has run waiting tasks
 * spins briefly for the next before it goes idle (one at a time, an {@link AdaptiveSpin}), so
 * that a steady stream of short tasks runs on the threads that are awake. Tasks that wait behind a
 * thread that does not finish in time (a flow that blocks, perhaps on another flow of this same
 * server) are not left there: a watch thread, which ticks every millisecond while
 * tasks wait and sleeps when none has waited for a while, wakes another thread whenever two ticks
 * in a row passed with tasks waiting and none of them started (two: a pause of the whole JVM for
 * the garbage collector stops the watch too, and the first tick after it sees no progress that the
 * next one does). The one wait this leaves: a task given
 * within 200 µs of a task's end, when the thread that ended it has gone idle and the busy ones
 * are held by slow flows, waits for the watch (2 to 3 ms); counting that thread's
 * going idle against the busy ones instead doubled the wake-ups per request under load.
 *
 * <p>Nor is a thread woken that could only wait for a core. A flow that uses the CPU all the
 * time it runs gains nothing from more busy threads than cores; a flow that waits (on a database,
 * a remote service, a lock) needs as many more as keep the cores busy while some wait. On one
 * task in sixteen this executor reads the thread's CPU time and its count of waits
 * ({@link ThreadWaits}: the times it gave up its core, which a thread that was only preempted did
 * not), and lets as many threads be busy as cores times the mean time a task holds its thread over
 * the mean CPU time it uses, rounded, at least cores and at most {@code limit}; a task that waited
 * held its thread for its whole time, one that did not for its CPU time. So a flow that returns at
 * once gets as many threads as cores, and one that waits on a database up to {@code limit}. The
 * pool keeps no more threads than that: a task given while the thread that finished last is on
 * its way to idle waits for that thread, which looks at the waiting tasks once it is idle, rather
 * than waking one idle longer. The watch
 * still rescues a flow that has begun to block: after two ticks in a row with tasks waiting, none
 * of them started and every thread of the pool busy, it adds a thread to the pool (one more than
 * the pool has, counting threads still busy beyond a pool that shrank, so that the pool makes
 * it), and one such thread is taken away again after each 100 ms without a rescue, as sampled
 * tasks end. A flow whose tasks each use more CPU than a tick is given as long as two of its
 * tasks' mean CPU time before a rescue: one busy thread starts its next task only that often, and
 * two ticks without a task started would otherwise add thread after thread to cores already
 * busy. The pool's maximum is set on the
 * {@code ThreadPoolExecutor} itself: the {@code ThreadPoolTaskExecutor}'s
 * {@code getMaxPoolSize()} keeps saying {@code limit}. With 64 threads at most, 1024
 * clients, 2 cores and a flow that returns at once, the executor had woken 8,000 to 9,000 idle
 * threads a second (two threads at most woke about 900 to 1,300), which only slowed one another.
 * Where the waits cannot be counted (not 64-bit Linux, or native access not enabled on JDK 22
 * and later) any number of threads up to {@code limit} may be busy, as before.
 *
 * <p>The threads come from the {@link ThreadPoolTaskExecutor} given, which keeps its thread
 * factory and name prefix (the watch is named with the prefix and {@code watch}); this executor
 * sets its pool sizes, queue and rejection. Its {@code TaskDecorator}, when it is a
 * {@link Threads} (as the builders' {@code configure} makes it), decorates each task once, on the
 * thread that submits it, as {@code ThreadPoolTaskExecutor} does: a task runs within its own
 * decoration (its security context, MDC, observation), whether it ran at once or waited. A task
 * the threads refuse after {@link #destroy()} runs on the calling thread rather than being
 * dropped.
 */
public final class ElasticTaskExecutor implements TaskExecutor, InitializingBean, DisposableBean {

    private static final Logger logger = LoggerFactory.getLogger(ElasticTaskExecutor.class);

    /** How long a thread stays idle, parked here, before it ends. */
    static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** How many times a thread going idle looks whether it was handed work before it parks. */
    private static final int IDLE_SPINS = 1 << 7;

    /** How long the pool keeps a thread that has left this executor's idle ones, for a task given meanwhile. */
    private static final Duration POOL_KEEP_ALIVE = Duration.ofSeconds(1);

    /** How long the tasks waiting may be expected to wait for busy threads before another thread is woken for them. */
    static final long PATIENCE_NANOS = 200_000;

    /** How long tasks may wait with none of them started before the watch wakes another thread for them. */
    static final long WATCH_TICK_NANOS = 1_000_000;

    /** Ticks in a row with tasks waiting and none started after which the watch wakes a thread. */
    private static final int STALLED_TICKS = 2;

    /** Ticks with no task waiting after which the watch sleeps until one waits again. */
    private static final int WATCH_QUIET_TICKS = 100;

    /** What a task counts as taking until tasks have been timed: slow, so that each gets a thread. */
    private static final long UNTIMED_TASK_NANOS = 1_000_000;

    /** How long the pool keeps a thread the watch added to rescue waiting tasks, while it needs no other. */
    private static final long RESCUE_DECAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** One task in this many (a power of two) is sampled: its thread's CPU time and waits read. */
    private static final int SAMPLE_EVERY = 16;

    /** A share of 1, in fixed point. */
    private static final long SHARE_ONE = 1 << 16;

    /** A flow's waits count once one sampled task in this many waits. */
    private static final int WAITS_COUNT_FROM = 64;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final ThreadPoolTaskExecutor threads;

    private final @Nullable TaskDecorator decorator;

    private final int limit;

    private final long patienceNanos;

    private final long watchTickNanos;

    private final int cores;

    private final long idleNanos;

    /** Whether tasks are sampled: the JVM can tell a thread's CPU time, and the system how often it waited. */
    private final boolean sampling;

    /** Counts tasks, to sample one in {@link #SAMPLE_EVERY}; updated without a lock, a lost update only moves the sample. */
    private int tasksCounted;

    /** How many tasks have been sampled, counted up to 256; updated without a lock, as {@link #tasksCounted}. */
    private int samplesTaken;

    /** How many sampled tasks waited, counted up to 8. */
    private int waitsTaken;

    /** The mean CPU time of the sampled tasks, a moving average (the last sixteen weigh most). */
    private volatile long meanSampledCpuNanos;

    /** The share of sampled tasks that waited, in {@link #SHARE_ONE}ths, a moving average (the last 256 weigh most). */
    private volatile long waitedShare;

    /** How much longer than their CPU time the sampled tasks that waited took, a moving average (the last eight weigh most). */
    private volatile long meanWaitNanos;

    /** Whether the flow's waits count: one sampled task in {@link #WAITS_COUNT_FROM} waits. */
    private volatile boolean flowWaits;

    /** How many busy threads the flow can use: beyond it, waiting tasks are left to the busy threads and the watch. */
    private volatile int usefulThreads;

    /** Threads the watch added to the pool beyond the useful ones, for tasks that waited two ticks; one fewer each quiet {@link #RESCUE_DECAY_NANOS}. */
    private int rescueThreads;

    /** The pool's most threads: the useful ones and the rescue threads, at most {@code limit}. */
    private volatile int poolThreads;

    /** When the watch last added a rescue thread, or the last one was taken away. */
    private volatile long rescuedNanos;

    /** How many times the watch added a thread to the pool. */
    private int rescues;

    /** The pool's pool: tasks go to it directly, so a refusal costs no message and no lock. */
    private volatile @Nullable ThreadPoolExecutor pool;

    /** Threads running a task or about to look at {@link #waiting} once more. */
    private final AtomicInteger busy = new AtomicInteger();

    /**
     * Threads idle here, parked, the most recently idle first: a task is handed to the first,
     * which the pool would otherwise only see again once it is back in its queue.
     */
    private final ConcurrentLinkedDeque<Idle> idle = new ConcurrentLinkedDeque<>();

    /** Threads of the pool running this executor's work: busy, between tasks, or idle here. */
    private final AtomicInteger alive = new AtomicInteger();

    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    /** How many tasks wait in {@link #waiting}, counted (the queue's own size is a walk through it); a task is counted before it is added. */
    private final AtomicInteger waitingCount = new AtomicInteger();

    /** How many waiting tasks have been taken by a thread so far: the watch's sign of progress. */
    private final AtomicLong taken = new AtomicLong();

    /** The mean time a task has taken here, a moving average (the last eight weigh most); updated without a lock, a lost update costs nothing. */
    private volatile long meanTaskNanos = UNTIMED_TASK_NANOS;

    /** When a task last ended ({@code System.nanoTime()}): busy threads that finished none for a while are not counted on. */
    private volatile long lastEndNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

    /** A thread that ran waiting tasks spins for the next one before it goes idle, one thread at a time. */
    private final AtomicBoolean spinning = new AtomicBoolean();

    private final AdaptiveSpin spin = AdaptiveSpin.withDefaults();

    /** The queue itself, not the count: a task counted but not yet added would make the spin end at once and look again, hot. */
    private final BooleanSupplier somethingWaits = () -> !this.waiting.isEmpty();

    private volatile @Nullable Thread watch;

    /** Whether the watch sleeps until a task waits, rather than ticking. */
    private volatile boolean watchSleeps;

    private volatile boolean destroyed;

    /**
     * @param threads makes the threads; not initialized yet. Its core size becomes 0, its
     *        maximum {@code limit}, its queue none and its keep-alive a second (its threads idle
     *        here, a minute, before they go back to it).
     * @param limit the most threads, and so the most tasks running at once; at least 1
     */
    public ElasticTaskExecutor(ThreadPoolTaskExecutor threads, int limit) {
        this(threads, limit, PATIENCE_NANOS, WATCH_TICK_NANOS, Runtime.getRuntime().availableProcessors(), IDLE_NANOS);
    }

    /**
     * @param patienceNanos how long waiting tasks may be expected to wait for busy threads
     * @param watchTickNanos how long tasks may wait with none started before the watch wakes a thread
     * @param cores the cores the flow's threads share; at least 1
     * @param idleNanos how long a thread stays idle before it ends
     */
    ElasticTaskExecutor(ThreadPoolTaskExecutor threads, int limit, long patienceNanos, long watchTickNanos, int cores,
            long idleNanos) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1 (was " + limit + ")");
        }
        this.threads = Objects.requireNonNull(threads, "threads");
        this.decorator = (threads instanceof Threads captured) ? captured.decorator : null;
        this.limit = limit;
        this.patienceNanos = patienceNanos;
        this.watchTickNanos = watchTickNanos;
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be at least 1 (was " + cores + ")");
        }
        this.cores = cores;
        this.idleNanos = idleNanos;
        this.sampling = THREADS.isCurrentThreadCpuTimeSupported() && ThreadWaits.isAvailable();
        this.usefulThreads = limit;
        this.poolThreads = limit;
        threads.setCorePoolSize(0);
        threads.setMaxPoolSize(limit);
        threads.setQueueCapacity(0);
        threads.setKeepAliveSeconds((int) POOL_KEEP_ALIVE.toSeconds());
        // Refusal is how "every thread is busy" is told, often: whatever policy a customizer set
        // (caller runs, discard) would run or lose the task instead.
        threads.setRejectedExecutionHandler(BUSY);
    }

    /**
     * @param task runs now on an idle or new thread when no thread is busy or the busy ones would
     *        not reach it soon, else on the next busy thread to finish, after the tasks that
     *        waited before it
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
        if (this.busy.get() == 0 && handOff(task)) {
            return;
        }
        // Counted first, so that the count is never below what the queue holds (a thread may take the task at once).
        this.waitingCount.incrementAndGet();
        this.waiting.add(task);
        handOverWaiting();
        watchOver();
    }

    /**
     * After queuing a task: a busy thread looks at the queue again once its task ends, so the
     * task is theirs when they would reach it soon, or when as many threads are busy as the flow
     * can use (all {@code limit} of them, or as few as cores for a flow that uses the CPU).
     * Else another thread is woken: an idle one, or a new one. When there is neither, every
     * thread the pool may have is busy or between a task and going idle, and one between looks
     * at the queue once more as it goes idle: the caller does not wait for it.
     */
    private void handOverWaiting() {
        if (this.destroyed) {
            for (Runnable left = this.waiting.poll(); left != null; left = this.waiting.poll()) {
                this.waitingCount.decrementAndGet();
                refused(left);
            }
            return;
        }
        int busyNow = this.busy.get();
        int waitingNow = this.waitingCount.get();
        if (waitingNow == 0 || busyNow >= this.usefulThreads || (busyNow > 0 && busySoonFree(waitingNow, busyNow))) {
            return;
        }
        handOff(null);
    }

    /**
     * @return whether the busy threads would reach the waiting tasks soon: they finish tasks (one
     *         ended within the patience) and would start the last waiting one within it
     */
    private boolean busySoonFree(int waitingNow, int busyNow) {
        return !waitTooLong(waitingNow, busyNow, this.meanTaskNanos, this.patienceNanos)
                && System.nanoTime() - this.lastEndNanos < this.patienceNanos;
    }

    /**
     * Whether tasks waiting for busy threads should have another thread: whether the last of
     * them would start later than {@code patienceNanos} from now, if each busy thread took one
     * in turn at the mean time a task takes.
     *
     * @param waiting tasks waiting, at least 1
     * @param busy threads busy, at least 1
     * @param meanTaskNanos the mean time a task takes
     * @param patienceNanos the longest wait expected before another thread is woken
     * @return whether to wake another thread
     */
    static boolean waitTooLong(int waiting, int busy, long meanTaskNanos, long patienceNanos) {
        return (double) waiting * meanTaskNanos > (double) patienceNanos * busy;
    }

    /**
     * @param first a task to run first, or null to take only waiting ones
     * @return whether an idle or new thread took it
     */
    private boolean handOff(@Nullable Runnable first) {
        Idle thread = this.idle.pollFirst();
        if (thread != null) {
            thread.wake(first);
            return true;
        }
        try {
            pool().execute(() -> work(first));
            return true;
        }
        catch (RejectedExecutionException ex) {
            return false;
        }
    }

    private ThreadPoolExecutor pool() {
        ThreadPoolExecutor executor = this.pool;
        if (executor == null) {
            executor = this.threads.getThreadPoolExecutor();
            this.pool = executor;
        }
        return executor;
    }

    /**
     * A thread of the pool: runs {@code first} and the waiting tasks, then idles here until it
     * is handed more, and again, until it has been idle {@link #idleNanos}, the executor or its
     * pool is shut down, or the pool may have fewer threads than are alive.
     */
    private void work(@Nullable Runnable first) {
        this.alive.incrementAndGet();
        boolean counted = true;
        try {
            Idle self = new Idle(Thread.currentThread());
            Runnable next = first;
            while (true) {
                // Woken to end, it runs nothing: it ends if the pool still has too many threads.
                if (next != Idle.END) {
                    runThenTakeWaiting(next);
                }
                if (this.destroyed) {
                    return;
                }
                if (surplus()) {
                    counted = false;
                    return;
                }
                if (!idleUntilHanded(self)) {
                    return;
                }
                next = self.take();
            }
        }
        finally {
            if (counted) {
                this.alive.decrementAndGet();
            }
        }
    }

    /**
     * @return whether this thread is more than the pool may have now, and so ends; if so it no
     *         longer counts as {@link #alive}
     */
    private boolean surplus() {
        while (true) {
            int now = this.alive.get();
            if (now <= this.poolThreads) {
                return false;
            }
            if (this.alive.compareAndSet(now, now - 1)) {
                return true;
            }
        }
    }

    /**
     * Parks this thread among the idle ones until it is handed work.
     *
     * @return whether it was handed work (a task, or the waiting ones); false when it ends: idle
     *         too long, or the executor or its pool shut down
     */
    private boolean idleUntilHanded(Idle self) {
        self.handed = false;
        this.idle.addFirst(self);
        // A task queued as this thread went idle, when it was neither busy nor idle, relies on it.
        if (!this.waiting.isEmpty() && this.idle.remove(self)) {
            return true;
        }
        // As the pool's own hand-off queue (the JDK's SynchronousQueue) does before it parks: a
        // task handed over within these spins costs neither thread a system call.
        for (int spins = IDLE_SPINS; spins > 0 && !self.handed; spins--) {
            Thread.onSpinWait();
        }
        long deadline = System.nanoTime() + this.idleNanos;
        boolean removable = true;
        while (!self.handed) {
            long left = deadline - System.nanoTime();
            if (removable && (this.destroyed || left <= 0 || poolShutDown())) {
                if (this.idle.remove(self)) {
                    return false;
                }
                // Taken by a thread handing it work, which is about to say so.
                removable = false;
            }
            if (removable) {
                LockSupport.parkNanos(this, left);
            }
            else {
                LockSupport.park(this);
            }
            if (!this.destroyed && !poolShutDown()) {
                // An interrupt meant for a task that ended must not keep the park from parking.
                Thread.interrupted();
            }
        }
        return true;
    }

    /** @return whether the pool was shut down, by {@link #destroy()} or by whoever else holds it */
    private boolean poolShutDown() {
        ThreadPoolExecutor executor = this.pool;
        return executor != null && executor.isShutdown();
    }

    private void runThenTakeWaiting(@Nullable Runnable first) {
        this.busy.incrementAndGet();
        try {
            if (first != null) {
                timed(first);
            }
        }
        finally {
            takeWaiting();
        }
    }

    /** Runs waiting tasks until none is left; then this thread is no longer busy. */
    private void takeWaiting() {
        boolean ranWaiting = false;
        while (true) {
            Runnable next = this.waiting.poll();
            if (next != null) {
                this.waitingCount.decrementAndGet();
                this.taken.incrementAndGet();
                ranWaiting = true;
                if (!this.destroyed) {
                    // As a pool's worker does before each task: an interrupt meant for the last one ends with it.
                    Thread.interrupted();
                }
                runQuietly(next);
                continue;
            }
            // Tasks have been waiting for this thread, so more may come soon: it looks for them a
            // little longer while still counted busy, so that they wait for it rather than wake another.
            if (ranWaiting && spinForMore()) {
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

    /** @return whether a task waits now, after a short spin if no other thread spins */
    private boolean spinForMore() {
        if (!this.spinning.compareAndSet(false, true)) {
            return false;
        }
        try {
            return this.spin.awaitUntil(this.somethingWaits);
        }
        finally {
            this.spinning.set(false);
        }
    }

    private void runQuietly(Runnable task) {
        try {
            timed(task);
        }
        catch (Throwable ex) {
            // Throwable: a checked exception thrown where the compiler did not see it must not end this
            // thread with it still counted busy.
            logger.error("{}: a task failed: {}", this, ex.toString(), ex);
        }
    }

    private void timed(Runnable task) {
        boolean sampled = this.sampling && (++this.tasksCounted & (SAMPLE_EVERY - 1)) == 0;
        long cpuStarted = sampled ? THREADS.getCurrentThreadCpuTime() : 0;
        long waitsStarted = sampled ? ThreadWaits.count() : 0;
        long started = System.nanoTime();
        try {
            task.run();
        }
        finally {
            long ended = System.nanoTime();
            long took = ended - started;
            long mean = this.meanTaskNanos;
            this.meanTaskNanos = mean + ((took - mean) >> 3);
            this.lastEndNanos = ended;
            if (sampled) {
                sampled(cpuStarted, waitsStarted, took);
            }
        }
    }

    /**
     * Takes a sampled task into the means: its CPU time; whether it gave up its core to wait
     * (slept, waited for a lock, blocked in a read), and if so how much longer than its CPU time
     * it took. A task only preempted, because more threads were runnable than cores, did not
     * wait: another thread could not have run sooner. Waits count only while one sampled task in
     * {@value #WAITS_COUNT_FROM} or more waits: a flow that returns at once still waits now and
     * then, in a pause of the JVM or of the machine (in the fan-in benchmark at 1024 clients one
     * sampled task in about 1,800, 6 ms on average against its microseconds), and those waits
     * would have it look like a flow that blocks.
     */
    private void sampled(long cpuStarted, long waitsStarted, long tookNanos) {
        long cpuEnded = THREADS.getCurrentThreadCpuTime();
        long waitsEnded = ThreadWaits.count();
        // -1 when CPU time has been turned off (ThreadMXBean.setThreadCpuTimeEnabled) or a count failed.
        if (cpuStarted < 0 || cpuEnded < 0 || waitsStarted < 0 || waitsEnded < 0) {
            return;
        }
        long cpu = cpuEnded - cpuStarted;
        boolean waited = waitsEnded > waitsStarted;
        int samples = this.samplesTaken;
        if (samples < 256) {
            this.samplesTaken = samples + 1;
        }
        long cpuMean = average(this.meanSampledCpuNanos, cpu, samples, 16);
        this.meanSampledCpuNanos = cpuMean;
        long share = average(this.waitedShare, waited ? SHARE_ONE : 0, samples, 256);
        this.waitedShare = share;
        long waitMean = this.meanWaitNanos;
        if (waited) {
            int waits = this.waitsTaken;
            if (waits < 8) {
                this.waitsTaken = waits + 1;
            }
            waitMean = average(waitMean, Math.max(0, tookNanos - cpu), waits, 8);
            this.meanWaitNanos = waitMean;
        }
        // Counted from one in WAITS_COUNT_FROM, no longer counted below half that: a share near
        // the line does not switch the flow back and forth.
        boolean waits = share >= (this.flowWaits ? SHARE_ONE / WAITS_COUNT_FROM / 2 : SHARE_ONE / WAITS_COUNT_FROM);
        this.flowWaits = waits;
        long held = cpuMean + (waits ? waitMean * share / SHARE_ONE : 0);
        int now = this.usefulThreads;
        int useful = usefulThreads(this.cores, cpuMean, held, this.limit, now);
        if (useful != now || (this.poolThreads > useful && System.nanoTime() - this.rescuedNanos > RESCUE_DECAY_NANOS)) {
            resize(useful, -1);
        }
    }

    /**
     * A moving average in which the last {@code weight} values weigh most, and the first ones
     * weigh alike (so that the first value is the average, not a {@code weight}th of it).
     *
     * @param mean the average of the values so far
     * @param value the next value
     * @param counted how many values the average holds, counted up to {@code weight} at least
     * @param weight how many of the last values weigh most
     * @return the average with {@code value}
     */
    static long average(long mean, long value, int counted, int weight) {
        return mean + (value - mean) / Math.min(counted + 1, weight);
    }

    /**
     * How many busy threads a flow can use: as many as cores for one that uses the CPU all the
     * time it runs, more the longer it waits (the thread count that keeps the cores busy, cores
     * times the time a task takes over its CPU time, to the nearest whole thread).
     *
     * @param cores at least 1
     * @param cpuNanos the mean CPU time a task uses
     * @param nanos the mean time a task holds its thread
     * @param limit the most threads
     * @param now the count used so far: a count a whole thread lower is needed to lower it, so
     *        that a flow near the middle between two counts does not move the pool back and forth
     * @return between {@code min(cores, limit)} and {@code limit}; {@code limit} when a task
     *         seemed to use no CPU time
     */
    static int usefulThreads(int cores, long cpuNanos, long nanos, int limit, int now) {
        if (cpuNanos <= 0) {
            return limit;
        }
        double threads = (double) cores * nanos / cpuNanos;
        // Rounded, not up: a task's clock time always exceeds its CPU time a little.
        double useful = (Math.abs(threads - now) >= 1) ? Math.rint(threads) : now;
        return (int) Math.max(Math.min(cores, limit), Math.min(limit, useful));
    }

    /**
     * @return how many ticks in a row must pass with tasks waiting, none started and every thread
     *         of the pool busy before the watch adds a thread: {@link #STALLED_TICKS}, or as many
     *         as last twice the mean CPU time of the flow's tasks, whichever is more (a busy thread
     *         whose tasks each use that much starts one only that often; a flow that blocks uses
     *         little CPU per task)
     */
    private long ticksBeforeRescue() {
        return Math.max(STALLED_TICKS, 2 * this.meanSampledCpuNanos / this.watchTickNanos);
    }

    /**
     * Adds a thread to a pool whose threads are all busy: the useful count read under the lock,
     * so that a sample's resize just before is not undone.
     */
    private synchronized void rescue() {
        this.rescues++;
        resize(this.usefulThreads, 1);
    }

    /**
     * Lets {@code useful} threads be busy, and the pool have as many and its rescue threads: with
     * no more threads than a flow that uses the CPU can use, a task given while the last thread to
     * finish is on its way to idle waits for that thread rather than waking one that has been idle
     * (a pool of 64 threads woke its idle ones in turn). Threads idle here beyond the new most,
     * the longest idle first, are woken to end.
     *
     * @param rescue 1 to add a rescue thread, -1 to take one away if the last was added or taken
     *        away more than {@link #RESCUE_DECAY_NANOS} ago
     */
    private synchronized void resize(int useful, int rescue) {
        long now = System.nanoTime();
        if (rescue > 0) {
            // One more than the pool has, or it makes none: after the pool shrank, more threads than its
            // most may still be busy (or idle ones on their way to end).
            int has = Math.max(this.poolThreads, pool().getPoolSize());
            this.rescueThreads = Math.max(this.rescueThreads, has - useful) + 1;
            this.rescuedNanos = now;
        }
        else if (this.rescueThreads > 0 && now - this.rescuedNanos > RESCUE_DECAY_NANOS) {
            this.rescueThreads--;
            this.rescuedNanos = now;
        }
        this.usefulThreads = useful;
        int most = Math.min(this.limit, useful + this.rescueThreads);
        this.rescueThreads = most - useful;
        if (most != this.poolThreads && !this.destroyed) {
            this.poolThreads = most;
            pool().setMaximumPoolSize(most);
            // The pool ends its own idle threads beyond the most; those idle here are woken to end,
            // the longest idle first, without running any task.
            for (int surplus = this.alive.get() - most; surplus > 0; surplus--) {
                Idle oldest = this.idle.pollLast();
                if (oldest == null) {
                    break;
                }
                oldest.wake(Idle.END);
            }
        }
    }

    /** After queuing a task: makes sure the watch ticks. */
    private void watchOver() {
        Thread watching = this.watch;
        if (watching == null) {
            startWatch();
        }
        else if (this.watchSleeps) {
            LockSupport.unpark(watching);
        }
    }

    private synchronized void startWatch() {
        if (this.watch != null || this.destroyed) {
            return;
        }
        Thread watching = this.threads.createThread(this::watch);
        watching.setName(this.threads.getThreadNamePrefix() + "watch");
        // It only rescues tasks: it must not keep a JVM alive whose executor was never destroyed.
        watching.setDaemon(true);
        this.watch = watching;
        watching.start();
    }

    /**
     * Wakes another thread whenever tasks waited two ticks in a row and none of them started: the
     * busy threads they wait for are taking longer than their mean. When every thread of the pool
     * is busy it adds one to the pool, after {@link #ticksBeforeRescue()} ticks. Sleeps when no
     * task has waited for {@link #WATCH_QUIET_TICKS} ticks, until one does.
     */
    private void watch() {
        long takenAtLastTick = -1;
        int quietTicks = 0;
        int stalledTicks = 0;
        while (!this.destroyed) {
            if (this.waitingCount.get() == 0) {
                takenAtLastTick = -1;
                stalledTicks = 0;
                if (++quietTicks >= WATCH_QUIET_TICKS) {
                    this.watchSleeps = true;
                    // Checked after saying so: a task queued from now on unparks this thread.
                    if (this.waitingCount.get() == 0 && !this.destroyed) {
                        LockSupport.park(this);
                    }
                    this.watchSleeps = false;
                    quietTicks = 0;
                    continue;
                }
            }
            else {
                quietTicks = 0;
                long takenNow = this.taken.get();
                stalledTicks = (takenNow == takenAtLastTick) ? stalledTicks + 1 : 0;
                // No thread of the pool is free: the flow may have begun to block, unless its tasks each use the CPU
                // for longer than the stall so far.
                int busyNow = this.busy.get();
                boolean full = busyNow >= this.poolThreads;
                if (stalledTicks >= STALLED_TICKS && busyNow < this.limit && (!full || stalledTicks >= ticksBeforeRescue())) {
                    stalledTicks = 0;
                    try {
                        if (full) {
                            rescue();
                        }
                        handOff(null);
                    }
                    catch (RuntimeException | Error ex) {
                        // No thread could be made now (out of memory for one, say): the watch must live to try again.
                        logger.warn("{}: could not wake a thread for the tasks waiting: {}", this, ex.toString());
                    }
                }
                takenAtLastTick = takenNow;
            }
            LockSupport.parkNanos(this, this.watchTickNanos);
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
     * @return the mean time a task has taken here, in nanoseconds
     */
    long meanTaskNanos() {
        return this.meanTaskNanos;
    }

    /**
     * @return how many times the watch added a thread to the pool
     */
    synchronized int rescues() {
        return this.rescues;
    }

    /**
     * @return how many busy threads the flow can use, as sampled so far
     */
    int usefulThreads() {
        return this.usefulThreads;
    }

    /**
     * @return how many tasks have been sampled, counted up to 256
     */
    int samplesTaken() {
        return this.samplesTaken;
    }

    /**
     * @return the watch thread, or null before it was needed
     */
    @Nullable Thread watchThread() {
        return this.watch;
    }

    /**
     * @return how long ago a task last ended, in nanoseconds
     */
    long sinceLastEndNanos() {
        return System.nanoTime() - this.lastEndNanos;
    }

    /**
     * @return how many tasks wait for a thread
     */
    public int getWaiting() {
        return this.waitingCount.get();
    }

    @Override
    public void afterPropertiesSet() {
        this.threads.afterPropertiesSet();
    }

    @Override
    public void destroy() {
        this.destroyed = true;
        Thread watching = this.watch;
        if (watching != null) {
            LockSupport.unpark(watching);
        }
        // Each sees the executor destroyed and ends (one taken meanwhile runs what it is handed first).
        for (Idle thread : this.idle) {
            LockSupport.unpark(thread.thread);
        }
        this.threads.destroy();
    }

    @Override
    public String toString() {
        return "ElasticTaskExecutor[" + this.threads.getThreadNamePrefix() + ", limit " + this.limit + ", "
                + this.busy.get() + " busy]";
    }

    /** A thread idle here, and what it is handed when it is taken. */
    private static final class Idle {

        final Thread thread;

        /** Handed to a thread woken to end, if the pool has more threads than it may: it runs nothing. */
        static final Runnable END = () -> { };

        /**
         * A task to run first, null to take the waiting ones, or {@link #END}; written before
         * {@link #handed}.
         */
        private @Nullable Runnable first;

        /** Whether it has been handed work: it stays parked until then, even once no longer idle. */
        volatile boolean handed;

        Idle(Thread thread) {
            this.thread = thread;
        }

        void wake(@Nullable Runnable task) {
            this.first = task;
            this.handed = true;
            LockSupport.unpark(this.thread);
        }

        @Nullable Runnable take() {
            Runnable task = this.first;
            this.first = null;
            return task;
        }
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
