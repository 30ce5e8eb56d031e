package io.pipc.integration;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class ElasticTaskExecutorTests {

    private final ThreadPoolTaskExecutor threads = new ThreadPoolTaskExecutor();

    private ElasticTaskExecutor executor(int limit) {
        this.threads.setThreadNamePrefix("elastic-test-");
        this.threads.setDaemon(true);
        ElasticTaskExecutor executor = new ElasticTaskExecutor(this.threads, limit);
        executor.afterPropertiesSet();
        return executor;
    }

    @AfterEach
    void shutDown() {
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
                try {
                    release.await();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
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
        ElasticTaskExecutor executor = executor(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allDone = new CountDownLatch(4);
        List<String> order = new CopyOnWriteArrayList<>();
        executor.execute(() -> {
            try {
                release.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            order.add("first");
            allDone.countDown();
        });
        for (String name : List.of("second", "third", "fourth")) {
            executor.execute(() -> {
                order.add(name);
                allDone.countDown();
            });
        }
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("first", "second", "third", "fourth");
    }

    @Test
    void everyTaskRunsWithinTheThreadsTaskDecoration() throws InterruptedException {
        ThreadLocal<String> decoration = new ThreadLocal<>();
        this.threads.setTaskDecorator((task) -> () -> {
            decoration.set("decorated");
            try {
                task.run();
            }
            finally {
                decoration.remove();
            }
        });
        ElasticTaskExecutor executor = executor(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch allDone = new CountDownLatch(4);
        List<String> seen = new CopyOnWriteArrayList<>();
        executor.execute(() -> {
            try {
                release.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            seen.add(String.valueOf(decoration.get()));
            allDone.countDown();
        });
        for (int i = 0; i < 3; i++) {
            // These wait, and run on the thread that ran the first once it ends.
            executor.execute(() -> {
                seen.add(String.valueOf(decoration.get()));
                allDone.countDown();
            });
        }
        release.countDown();
        assertThat(allDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsExactly("decorated", "decorated", "decorated", "decorated");
    }

    @Test
    void neverMoreThreadsThanTheLimit() throws InterruptedException {
        ElasticTaskExecutor executor = executor(3);
        int tasks = 200;
        CountDownLatch allDone = new CountDownLatch(tasks);
        java.util.Set<Thread> used = java.util.concurrent.ConcurrentHashMap.newKeySet();
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
}
