package io.pipc.transport.socket;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.pipc.transport.RecordingThreadFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** An event loop's commands on their own: where they run, in which order, and how the loop ends. */
@Timeout(20)
class EventLoopTest {

    private final RecordingThreadFactory factory = new RecordingThreadFactory("test-loop");
    private final EventLoop loop = new EventLoop(factory, 0);

    @AfterEach
    void endTheLoop() throws InterruptedException {
        loop.shutdown();
        factory.assertAllEndWithin(Duration.ofSeconds(10));
    }

    @Test
    void commandsFromOtherThreadsRunOnTheLoopInTheOrderGiven() throws InterruptedException {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            int n = i;
            loop.execute(() -> {
                ran.add(n);
                onLoop.add(loop.inEventLoop());
                done.countDown();
            });
        }

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isSortedAccordingTo(Integer::compare).hasSize(100);
        assertThat(onLoop).containsOnly(true);
        assertThat(loop.inEventLoop()).as("the test's own thread").isFalse();
    }

    @Test
    void aCommandGivenOnTheLoopRunsAtOnceAndALaterOneAfterTheCurrentWork() throws InterruptedException {
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            loop.executeLater(() -> {
                ran.add("later");
                done.countDown();
            });
            loop.execute(() -> ran.add("at once"));
            ran.add("after both were given");
        });

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("at once", "after both were given", "later");
    }

    @Test
    void aFailingCommandLeavesTheLoopServingTheNext() throws InterruptedException {
        CountDownLatch next = new CountDownLatch(1);
        loop.execute(() -> {
            throw new IllegalStateException("one connection's bug");
        });
        loop.execute(next::countDown);

        assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shutdownRunsTheCommandsAlreadyGivenThenEndsTheThread() throws InterruptedException {
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch queuedRan = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        loop.execute(queuedRan::countDown);

        loop.shutdown();
        hold.countDown();

        assertThat(queuedRan.await(10, TimeUnit.SECONDS)).isTrue();
        factory.assertAllEndWithin(Duration.ofSeconds(10));
        assertThat(loop.hasEnded()).isTrue();
    }

    @Test
    void whatAwaitsDeregistrationRunsWhenAClosedListenerNoLongerHoldsItsPort() throws Exception {
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        listener.configureBlocking(false);
        InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
        CompletableFuture<SelectionKey> registered = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                registered.complete(loop.register(listener, SelectionKey.OP_ACCEPT, new Idle()));
            } catch (IOException e) {
                registered.completeExceptionally(e);
            }
        });
        SelectionKey key = registered.get(10, TimeUnit.SECONDS);

        // Checked on the loop, in the callback itself: a closed but still registered listener accepts.
        CompletableFuture<String> connectingThen = new CompletableFuture<>();
        loop.execute(() -> {
            key.cancel();
            try {
                listener.close();
            } catch (IOException e) {
                connectingThen.completeExceptionally(e);
                return;
            }
            loop.afterDeregistration(() -> connectingThen.complete(tryConnecting(address)));
        });

        assertThat(connectingThen.get(10, TimeUnit.SECONDS)).isEqualTo("refused");
    }

    private static String tryConnecting(InetSocketAddress address) {
        try (SocketChannel ignored = SocketChannel.open(address)) {
            return "accepted";
        } catch (ConnectException e) {
            return "refused";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static final class Idle implements EventLoop.Handler {
        @Override
        public void ready(SelectionKey key) {
        }

        @Override
        public void tick(long nowNanos) {
        }
    }
}
