package io.pipc.integration;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.pipc.posix.ThreadWaits;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;


@Timeout(30)
class ElasticTaskExecutorTests {

    private final ThreadPoolTaskExecutor threads = new ElasticTaskExecutor.Threads();

    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    /** An executor whose watch never ticks in a test's time, so that what runs where is its policy's doing alone. */
    private ElasticTaskExecutor executor(int limit) {
        return executor(limit, ElasticTaskExecutor.PATIENCE_NANOS, HOUR);
    }

    /** As many cores as the limit: the tests of how tasks are handed over do not depend on the machine's cores. */
    private ElasticTaskExecutor executor(int limit, long patienceNanos, long watchTickNanos) {
        return executor(limit, patienceNanos, watchTickNanos, limit);
    }

    private ElasticTaskExecutor executor(int limit, long patienceNanos, long watchTickNanos, int cores) {
        return executor(limit, patienceNanos, watchTickNanos, cores, ElasticTaskExecutor.IDLE_NANOS);
    }

    private ElasticTaskExecutor executor(int limit, long patienceNanos, long watchTickNanos, int cores, long idleNanos) {
        this.threads.setThreadNamePrefix("elastic-test-");
        this.threads.setDaemon(true);
        ElasticTaskExecutor executor = new ElasticTaskExecutor(this.threads, limit, patienceNanos, watchTickNanos, cores,
                idleNanos);
        executor.afterPropertiesSet();
        this.made.add(executor);
        return executor;
    }

    /**
     * Runs quick tasks one at a time until the executor's mean task time is a tenth of its
     * patience (a pause of the machine during one of them raises the mean for a while).
     */
    private static void timeQuickTasks(ElasticTaskExecutor executor, long patienceNanos) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ZERO).until(() -> {
            CountDownLatch done = new CountDownLatch(1);
            executor.execute(done::countDown);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            // The task's time counts once its thread is no longer busy, not when the task ends.
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ZERO)
                    .until(() -> executor.getBusy() == 0);
            return executor.meanTaskNanos() < patienceNanos / 10;
        });
    }

    @Test
    void anotherThreadIsWokenOnlyWhenTheBusyOnesWouldNotReachTheWaitingTasksWithinThePatience() {
        long patience = ElasticTaskExecutor.PATIENCE_NANOS;
        assertThat(ElasticTaskExecutor.waitTooLong(1, 1, 10_000, patience)).as("one 10 µs task behind one thread").isFalse();
        assertThat(ElasticTaskExecutor.waitTooLong(20, 1, 10_000, patience)).as("twenty, 200 µs in all").isFalse();
        assertThat(ElasticTaskExecutor.waitTooLong(21, 1, 10_000, patience)).as("twenty-one").isTrue();
        assertThat(ElasticTaskExecutor.waitTooLong(21, 2, 10_000, patience)).as("twenty-one behind two threads").isFalse();
        assertThat(ElasticTaskExecutor.waitTooLong(1, 1, 1_000_000, patience)).as("one 1 ms task").isTrue();
        assertThat(ElasticTaskExecutor.waitTooLong(Integer.MAX_VALUE, 1, Long.MAX_VALUE, patience)).as("no overflow").isTrue();
    }

    @Test
    void tasksGivenWhileABusyThreadWillSoonBeFreeWaitForItInsteadOfWakingOthers() throws InterruptedException {
        // Patience of an hour: every task counts as quick, and every thread as one that finishes tasks.
        ElasticTaskExecutor executor = executor(8, HOUR, HOUR);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        executor.execute(() -> {
            ranOn.add(Thread.currentThread());
            held.countDown();
            await(release);
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch allDone = new CountDownLatch(5);
        for (int i = 0; i < 5; i++) {
            executor.execute(() -> {
                ranOn.add(Thread.currentThread());
                allDone.countDown();
            });
        }
        assertThat(executor.getWaiting()).as("the tasks wait for the busy thread").isEqualTo(5);
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Set.copyOf(ranOn)).as("all ran on the thread that was busy").containsExactly(ranOn.get(0));
    }

    @Test
    void aTaskGivenWhenNoTaskEndedWithinThePatienceGetsAThreadAtOnce() throws InterruptedException {
        long patience = TimeUnit.MILLISECONDS.toNanos(20);
        ElasticTaskExecutor executor = executor(2, patience, HOUR);
        timeQuickTasks(executor, patience);
        CountDownLatch release = new CountDownLatch(1);
        holdAThread(executor, release);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> executor.sinceLastEndNanos() > patience);
        // Quick by the mean, but the one busy thread has finished nothing lately: it may be held for long.
        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).as("the task ran on another thread").isTrue();
        release.countDown();
    }

    @Test
    void tasksWaitingBehindAThreadThatDoesNotFinishAreGivenAnother() throws InterruptedException {
        // Patience of an hour: the policy leaves every task to the busy thread, so only the watch can help.
        ElasticTaskExecutor executor = executor(2, HOUR, ElasticTaskExecutor.WATCH_TICK_NANOS);
        // A flow that waits for a later one, as one calling back into its own server does.
        CountDownLatch laterRan = new CountDownLatch(1);
        CountDownLatch earlierStarted = new CountDownLatch(1);
        CountDownLatch earlierDone = new CountDownLatch(1);
        executor.execute(() -> {
            earlierStarted.countDown();
            await(laterRan);
            earlierDone.countDown();
        });
        assertThat(earlierStarted.await(10, TimeUnit.SECONDS)).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> executor.getBusy() == 1);
        executor.execute(laterRan::countDown);
        assertThat(laterRan.await(10, TimeUnit.SECONDS)).as("the later task ran on another thread").isTrue();
        assertThat(earlierDone.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFlowIsGivenAsManyThreadsAsKeepTheCoresBusy() {
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 10_000, 64, 64)).as("all CPU: as many as cores").isEqualTo(2);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_800, 10_000, 64, 64))
                .as("a little more CPU time than clock time (the clocks differ): still cores").isEqualTo(2);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 20_000, 64, 64)).as("waits half its time").isEqualTo(4);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 1_010_000, 64, 2)).as("waits 1 ms: the limit").isEqualTo(64);
        assertThat(ElasticTaskExecutor.usefulThreads(4, 10_000, 10_000, 3, 3)).as("never more than the limit").isEqualTo(3);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 0, 5_000, 64, 2)).as("no CPU time seen: the limit").isEqualTo(64);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 24_000, 64, 4))
                .as("4.8: less than a whole thread above 4, so 4 stays").isEqualTo(4);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 15_500, 64, 4)).as("3.1: stays at 4").isEqualTo(4);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 14_000, 64, 4)).as("2.8: a whole thread lower").isEqualTo(3);
        assertThat(ElasticTaskExecutor.usefulThreads(2, 10_000, 25_000, 64, 4)).as("5.0: a whole thread higher").isEqualTo(5);
    }

    @Test
    void theFirstSamplesWeighAlikeAndThenTheLastOnesWeighMost() {
        assertThat(ElasticTaskExecutor.average(0, 1_000, 0, 16)).as("the first value is the average").isEqualTo(1_000);
        assertThat(ElasticTaskExecutor.average(1_000, 0, 1, 16)).as("two values").isEqualTo(500);
        assertThat(ElasticTaskExecutor.average(500, 2_000, 2, 16)).as("three values").isEqualTo(1_000);
        assertThat(ElasticTaskExecutor.average(1_000, 17_000, 16, 16)).as("beyond the weight: a sixteenth").isEqualTo(2_000);
        assertThat(ElasticTaskExecutor.average(1_000, 17_000, 255, 16)).as("counted further").isEqualTo(2_000);
    }

    @Test
    void aFlowThatUsesTheCpuRunsOnNoMoreThreadsThanCores() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        // One core, a limit of 16, and a watch that never ticks in the test's time: the policy alone.
        ElasticTaskExecutor executor = executor(16, ElasticTaskExecutor.PATIENCE_NANOS, HOUR, 1);
        learnAFlowThatUsesTheCpu(executor);
        // The threads made before the flow was sampled leave the pool.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.threads.getPoolSize() <= 1);
        // 64 tasks at once, each 100 µs: before, they would have woken all 16 threads.
        assertThat(mostAtOnce(executor, 64, 100_000)).as("tasks that ran at once").isEqualTo(1);
        assertThat(executor.usefulThreads()).isEqualTo(1);
    }

    @Test
    void aFlowThatWaitsIsGivenThreadsUpToTheLimit() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        ElasticTaskExecutor executor = executor(8, ElasticTaskExecutor.PATIENCE_NANOS, HOUR, 1);
        learnAFlowThatUsesTheCpu(executor);
        // Then the flow begins to wait 2 ms for something else, as a database call does.
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ZERO).until(() -> {
            runAll(executor, 32, () -> LockSupport.parkNanos(2_000_000));
            return executor.usefulThreads() == 8;
        });
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allDone = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            executor.execute(() -> {
                await(release);
                allDone.countDown();
            });
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> executor.getBusy() == 8);
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aFlowThatWaitsKeepsItsThreadsFromItsFirstSample() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        ElasticTaskExecutor executor = executor(8, ElasticTaskExecutor.PATIENCE_NANOS, HOUR, 1);
        // A server whose flow waits must not start on one thread: the first samples already say it waits.
        // Tasks go on until two samples are in: the executor counts tasks without a lock, so that
        // 32 tasks on several threads may lose an increment and give only one sample (seen on CI).
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ZERO).until(() -> {
            runAll(executor, 16, () -> LockSupport.parkNanos(2_000_000));
            return executor.samplesTaken() >= 2;
        });
        assertThat(executor.usefulThreads()).isEqualTo(8);
    }

    @Test
    void aFlowThatUsedTheCpuAndBeginsToBlockIsGivenMoreThreadsByTheWatch() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        ElasticTaskExecutor executor = executor(8, ElasticTaskExecutor.PATIENCE_NANOS, ElasticTaskExecutor.WATCH_TICK_NANOS, 1);
        learnAFlowThatUsesTheCpu(executor);
        // Four tasks that hold their threads until all four run: one thread alone would never finish.
        CountDownLatch allRunning = new CountDownLatch(4);
        CountDownLatch allDone = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            executor.execute(() -> {
                allRunning.countDown();
                await(allRunning);
                allDone.countDown();
            });
        }
        assertThat(allDone.await(10, TimeUnit.SECONDS)).as("the watch added threads until all four ran").isTrue();
    }

    @Test
    void aFlowWhoseTasksEachUseMillisecondsOfCpuIsNotGivenMoreThreadsByTheWatch() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        ElasticTaskExecutor executor = executor(8, ElasticTaskExecutor.PATIENCE_NANOS, ElasticTaskExecutor.WATCH_TICK_NANOS, 1);
        // One task at a time, each 10 ms of CPU, until a sampled one says the flow uses the CPU: one thread.
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ZERO).until(() -> {
            runAll(executor, 1, () -> useCpu(10_000_000));
            return executor.usefulThreads() == 1;
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.threads.getPoolSize() <= 1);
        // Each task starts 10 ms after the one before: ten ticks without a task started, which is no stall for this flow.
        // Two at most: a machine that holds one of these tasks for twice its time may have it rescued once.
        assertThat(mostAtOnce(executor, 24, 10_000_000)).as("tasks that ran at once").isLessThanOrEqualTo(2);
    }

    @Test
    void aRescueMakesAThreadAtOnceWhenMoreThreadsAreBusyThanAPoolThatShrank() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        // No patience: a task given while threads are busy is handed another thread at once, never left to the watch.
        ElasticTaskExecutor executor = executor(8, 0, ElasticTaskExecutor.WATCH_TICK_NANOS, 1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            // Four threads held before any task is sampled: the unsampled flow may use them all.
            holdThreads(executor, 4, release);
            // One task at a time beside them until a sampled one says the flow uses the CPU: the pool's most becomes
            // one while four of its threads are busy. Each task is handed a thread; none waits, so none is rescued.
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ZERO).until(() -> {
                runAll(executor, 1, () -> useCpu(100_000));
                Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ZERO)
                        .until(() -> executor.getBusy() == 4);
                return executor.usefulThreads() == 1;
            });
            assertThat(executor.rescues()).isZero();
            // A task now waits, every thread being busy: the first rescue must make the pool one more than it has.
            CountDownLatch ran = new CountDownLatch(1);
            executor.execute(ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).as("the waiting task ran beside the four busy threads").isTrue();
            assertThat(executor.rescues()).as("rescues it took").isEqualTo(1);
        }
        finally {
            release.countDown();
        }
    }

    /**
     * Runs tasks that only use the CPU until the one-core executor gives them a single thread,
     * and has sampled 128 of them: one sampled task that waited (in a pause of the JVM, say) is
     * then too few for the flow's waits to count, as among the first samples it would not be.
     */
    private static void learnAFlowThatUsesTheCpu(ElasticTaskExecutor executor) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ZERO).until(() -> {
            runAll(executor, 32, () -> useCpu(100_000));
            return executor.usefulThreads() == 1 && executor.samplesTaken() >= 128;
        });
    }

    /**
     * Gives {@code count} tasks at once, each using {@code cpuNanos} of the CPU, and waits until all have ended.
     *
     * @return the most of them that ran at once
     */
    private static int mostAtOnce(ElasticTaskExecutor executor, int count, long cpuNanos) throws InterruptedException {
        AtomicInteger runningNow = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        runAll(executor, count, () -> {
            most.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
            useCpu(cpuNanos);
            runningNow.decrementAndGet();
        });
        return most.get();
    }

    /** Gives {@code count} tasks at once and waits until all have ended. */
    private static void runAll(ElasticTaskExecutor executor, int count, Runnable task) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            executor.execute(() -> {
                task.run();
                done.countDown();
            });
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }

    /** In a task: uses this much of the CPU's time, however long the thread waits for a core meanwhile. */
    private static void useCpu(long nanos) {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long until = cpu.getCurrentThreadCpuTime() + nanos;
        while (cpu.getCurrentThreadCpuTime() < until) {
            Thread.onSpinWait();
        }
    }

    private final List<ElasticTaskExecutor> made = new ArrayList<>();

    @AfterEach
    void shutDown() {
        this.made.forEach(ElasticTaskExecutor::destroy);
        this.threads.destroy();
    }

    @Test
    void atMostTheLimitRunAtOnceAndTheRestWaitForThem() throws InterruptedException {
        ElasticTaskExecutor executor = executor(2);
        CountDownLatch twoStarted = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allDone = new CountDownLatch(5);
        AtomicInteger runningNow = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            executor.execute(() -> {
                mostAtOnce.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
                twoStarted.countDown();
                await(release);
                runningNow.decrementAndGet();
                allDone.countDown();
            });
        }
        assertThat(twoStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(executor.getBusy()).isEqualTo(2);
        assertThat(executor.getWaiting()).as("tasks beyond the limit wait").isEqualTo(3);
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).as("the waiting tasks start as running ones end").isTrue();
        assertThat(mostAtOnce).hasValue(2);
    }

    @Test
    void waitingTasksStartInTheOrderGiven() throws InterruptedException {
        List<String> order = new CopyOnWriteArrayList<>();
        firstHoldsTheThreadThen(executor(1), () -> order.add("first"),
                List.of(() -> order.add("second"), () -> order.add("third"), () -> order.add("fourth")));
        assertThat(order).containsExactly("first", "second", "third", "fourth");
    }

    @Test
    void everyTaskRunsWithinItsOwnDecorationMadeWhereItWasGiven() throws InterruptedException {
        // A context the decorator carries from the submitting thread to the one that runs the task.
        ThreadLocal<String> context = new ThreadLocal<>();
        this.threads.setTaskDecorator((task) -> {
            String captured = context.get();
            return () -> {
                context.set(captured);
                try {
                    task.run();
                }
                finally {
                    context.remove();
                }
            };
        });
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Runnable> more = new ArrayList<>();
        for (String name : List.of("second", "third", "fourth")) {
            more.add(() -> seen.add(name + ":" + context.get()));
        }
        ElasticTaskExecutor executor = executor(1);
        // Each task is given under its own context; three of them wait for the thread the first holds.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allDone = new CountDownLatch(4);
        context.set("first");
        executor.execute(() -> {
            await(release);
            seen.add("first:" + context.get());
            allDone.countDown();
        });
        for (int i = 0; i < more.size(); i++) {
            Runnable task = more.get(i);
            context.set(List.of("second", "third", "fourth").get(i));
            executor.execute(() -> {
                task.run();
                allDone.countDown();
            });
        }
        context.remove();
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("first:first", "second:second", "third:third", "fourth:fourth");
    }

    @Test
    void aTaskGivenWhileAThreadIsBetweenTasksIsNotLeftWaitingForABusyOne() throws InterruptedException {
        // The executor as configured: a task given as the free thread leaves may wait for the held one until the watch ticks.
        ElasticTaskExecutor executor = executor(2, ElasticTaskExecutor.PATIENCE_NANOS, ElasticTaskExecutor.WATCH_TICK_NANOS);
        CountDownLatch release = new CountDownLatch(1);
        holdAThread(executor, release);
        int tasks = 20_000;
        CountDownLatch allDone = new CountDownLatch(tasks);
        for (int i = 0; i < tasks; i++) {
            executor.execute(allDone::countDown);
        }
        assertThat(allDone.await(20, TimeUnit.SECONDS)).as("every short task ran on the one free thread while the other"
                + " stayed busy").isTrue();
        release.countDown();
    }

    @Test
    void aThreadIdleLongerThanItsIdleTimeEnds() throws InterruptedException {
        ElasticTaskExecutor executor = executor(2, ElasticTaskExecutor.PATIENCE_NANOS, HOUR, 2, TimeUnit.MILLISECONDS.toNanos(50));
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        runAll(executor, 1, () -> ranOn.add(Thread.currentThread()));
        Thread idle = ranOn.get(0);
        // Its idle time here, then the pool's keep-alive of a second (not awaited parked: it may have ended already).
        assertEnds(idle, "the thread ended once idle for its idle time");
        List<Thread> laterOn = new CopyOnWriteArrayList<>();
        runAll(executor, 1, () -> laterOn.add(Thread.currentThread()));
        assertThat(laterOn).as("a later task is given a new thread").hasSize(1).doesNotContain(idle);
    }

    @Test
    void threadsIdleBeyondAPoolThatShrinksEndWithoutWaitingForTasks() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "the waits of a thread are counted only on 64-bit Linux");
        ElasticTaskExecutor executor = executor(8, ElasticTaskExecutor.PATIENCE_NANOS, HOUR, 1);
        // Eight threads at once, before any task is sampled: the unsampled flow may use them all.
        CountDownLatch release = new CountDownLatch(1);
        holdThreads(executor, 8, release);
        release.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> executor.getBusy() == 0);
        // One task at a time until a sampled one says the flow uses the CPU: one thread is then enough at once.
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ZERO).until(() -> {
            runAll(executor, 1, () -> useCpu(100_000));
            return executor.usefulThreads() == 1;
        });
        // No more tasks: the seven threads idle beyond it end now, not when tasks would have reached them.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.threads.getPoolSize() <= 1);
    }

    @Test
    void anIdleThreadEndsWithTheExecutorEvenWhenThePoolWaitsForItsTasks() throws InterruptedException {
        // A pool told to let its tasks complete interrupts only threads idle in it: not those idle here.
        this.threads.setWaitForTasksToCompleteOnShutdown(true);
        ElasticTaskExecutor executor = executor(2);
        Thread idle = anIdleThread(executor);
        executor.destroy();
        assertEnds(idle, "the idle thread ended with its executor");
    }

    @Test
    void anIdleThreadEndsWhenItsPoolIsShutDownByWhoeverHoldsIt() throws InterruptedException {
        Thread idle = anIdleThread(executor(2));
        // Not the executor's destroy: the pool's own shutdown, which interrupts its threads.
        this.threads.shutdown();
        assertEnds(idle, "the idle thread ended with its pool");
    }

    /** Runs one task and returns its thread once it is idle, parked among the executor's idle threads. */
    private static Thread anIdleThread(ElasticTaskExecutor executor) throws InterruptedException {
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        runAll(executor, 1, () -> ranOn.add(Thread.currentThread()));
        Thread idle = ranOn.get(0);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> idle.getState() == Thread.State.TIMED_WAITING);
        return idle;
    }

    private static void assertEnds(Thread thread, String what) throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(thread.isAlive()).as(what).isFalse();
    }

    @Test
    void theWatchIsADaemonThatEndsWithTheExecutor() throws InterruptedException {
        ElasticTaskExecutor executor = executor(1);
        // Threads as Boot's builder makes them by default: not daemons.
        this.threads.setDaemon(false);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch bothDone = new CountDownLatch(2);
        executor.execute(() -> {
            await(release);
            bothDone.countDown();
        });
        // Every thread is busy: this one waits, and the watch starts over it.
        executor.execute(bothDone::countDown);
        Thread watch = executor.watchThread();
        assertThat(watch).as("the watch").isNotNull();
        assertThat(watch.getName()).isEqualTo("elastic-test-watch");
        assertThat(watch.isDaemon()).as("a daemon: it never keeps a JVM alive").isTrue();
        release.countDown();
        assertThat(bothDone.await(10, TimeUnit.SECONDS)).isTrue();
        executor.destroy();
        watch.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(watch.isAlive()).as("the watch ends when its executor is destroyed").isFalse();
    }

    @Test
    void aWaitingTaskThatThrowsACheckedExceptionUnseenLeavesItsThreadToTheNext() throws InterruptedException {
        ElasticTaskExecutor executor = executor(1);
        CountDownLatch release = new CountDownLatch(1);
        holdAThread(executor, release);
        CountDownLatch nextRan = new CountDownLatch(1);
        executor.execute(() -> sneakyThrow(new java.io.IOException("thrown where javac did not look")));
        executor.execute(nextRan::countDown);
        release.countDown();
        assertThat(nextRan.await(10, TimeUnit.SECONDS)).as("the task after it ran").isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> executor.getBusy() == 0);
        CountDownLatch laterRan = new CountDownLatch(1);
        executor.execute(laterRan::countDown);
        assertThat(laterRan.await(10, TimeUnit.SECONDS)).as("a later task found a thread").isTrue();
    }

    @Test
    void aSleepingWatchIsWokenByATaskThatWaits() throws InterruptedException {
        // Patience of an hour: the policy leaves every task to the busy thread, so only the watch can help.
        ElasticTaskExecutor executor = executor(2, HOUR, ElasticTaskExecutor.WATCH_TICK_NANOS);
        CountDownLatch release = new CountDownLatch(1);
        holdAThread(executor, release);
        CountDownLatch firstRan = new CountDownLatch(1);
        executor.execute(firstRan::countDown);
        assertThat(firstRan.await(10, TimeUnit.SECONDS)).as("the first waiting task ran").isTrue();
        Thread watch = executor.watchThread();
        assertThat(watch).isNotNull();
        // A hundred quiet ticks later it parks with no deadline.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watch.getState() == Thread.State.WAITING);
        CountDownLatch secondRan = new CountDownLatch(1);
        executor.execute(secondRan::countDown);
        // Woken, it ticks again (a timed park) for a hundred ticks before it sleeps once more.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> watch.getState() == Thread.State.TIMED_WAITING);
        assertThat(secondRan.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
    }

    @Test
    void aRejectionPolicyACustomizerSetNeitherRunsTasksOnTheCallerNorDropsThem() throws InterruptedException {
        this.threads.setRejectedExecutionHandler(new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        Runnable record = () -> ranOn.add(Thread.currentThread());
        firstHoldsTheThreadThen(executor(1), record, List.of(record, record, record));
        assertThat(ranOn).hasSize(4).doesNotContain(Thread.currentThread());
    }

    @Test
    void anInterruptOfOneTaskDoesNotReachTheNextOnItsThread() throws InterruptedException {
        List<Boolean> interrupted = new CopyOnWriteArrayList<>();
        firstHoldsTheThreadThen(executor(1), () -> Thread.currentThread().interrupt(),
                List.of(() -> interrupted.add(Thread.currentThread().isInterrupted())));
        assertThat(interrupted).containsExactly(false);
    }

    @Test
    void neverMoreThreadsThanTheLimit() throws InterruptedException {
        ElasticTaskExecutor executor = executor(3);
        int tasks = 200;
        CountDownLatch allDone = new CountDownLatch(tasks);
        Set<Thread> used = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < tasks; i++) {
            executor.execute(() -> {
                used.add(Thread.currentThread());
                allDone.countDown();
            });
        }
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(used).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void aTaskItsThreadsRefuseAfterShutdownRunsOnTheCallingThread() {
        ElasticTaskExecutor executor = executor(1);
        executor.destroy();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        executor.execute(() -> ranOn.add(Thread.currentThread()));
        assertThat(ranOn).containsExactly(Thread.currentThread());
        assertThat(executor.getBusy()).isZero();
    }

    /**
     * Gives a one-thread executor a task that holds its thread until {@code more} are given too,
     * and waits for all of them to end.
     */
    private static void firstHoldsTheThreadThen(ElasticTaskExecutor executor, Runnable first, List<Runnable> more)
            throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allDone = new CountDownLatch(1 + more.size());
        executor.execute(() -> {
            await(release);
            first.run();
            allDone.countDown();
        });
        for (Runnable task : more) {
            executor.execute(() -> {
                task.run();
                allDone.countDown();
            });
        }
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Gives a task that holds its thread until {@code release}, and waits until it runs. */
    private static void holdAThread(ElasticTaskExecutor executor, CountDownLatch release) throws InterruptedException {
        holdThreads(executor, 1, release);
    }

    /** Gives {@code count} tasks that each hold their thread until {@code release}, and waits until all of them run. */
    private static void holdThreads(ElasticTaskExecutor executor, int count, CountDownLatch release) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            executor.execute(() -> {
                held.countDown();
                await(release);
            });
        }
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable thrown) throws T {
        throw (T) thrown;
    }

    /** In a task: waits for the test to let it end. */
    private static void await(CountDownLatch release) {
        try {
            release.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
