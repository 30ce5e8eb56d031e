package io.pipc.integration;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipePair;
import io.pipc.Pipes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sink a pipe's event loop hands its messages to, without sockets: what a loop offers while
 * the task handing messages over is finishing is handed over too, in order.
 *
 * <p>Run interpreted, in a surefire execution of its own ({@code -Xint}): compiled, the window this
 * test races for was met in some runs and not in others, most likely because the JIT merges the
 * sink's monitor regions once it has compiled them.
 */
@Timeout(60)
class PipeSinkTests {

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    private final PipePair pair = Pipes.pair();

    @AfterEach
    void close() throws InterruptedException {
        this.pair.left().close();
        this.pair.right().close();
        this.executor.shutdownNow();
        assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @RepeatedTest(3)
    void whatALoopOffersWhileTheTaskFinishesIsHandedOverInOrder() throws InterruptedException {
        int count = 200_000;
        ConcurrentLinkedQueue<Integer> handed = new ConcurrentLinkedQueue<>();
        PipeSink sink = new PipeSink("pipe 'test'", (message) -> false,
                (message) -> handed.add(ByteBuffer.wrap(message.payload()).getInt()), (pipe, cause) -> {
                }, () -> this.executor);
        Pipe from = this.pair.left();
        Semaphore resumed = new Semaphore(0);
        sink.attached(from, resumed::release);
        sink.start(from);

        // One message at a time, as a loop hands them over: each task that ends with nothing left races this.
        for (int i = 0; i < count; i++) {
            List<Envelope> batch = List.of(Envelope.of(ByteBuffer.allocate(4).putInt(i).array()));
            while (sink.offer(from, batch) == 0) {
                assertThat(resumed.tryAcquire(10, TimeUnit.SECONDS)).as("resumed after a pause").isTrue();
            }
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> handed.size() == count);
        List<Integer> order = new ArrayList<>(handed);
        for (int i = 0; i < count; i++) {
            assertThat(order.get(i)).as("message %d", i).isEqualTo(i);
        }
    }

}
