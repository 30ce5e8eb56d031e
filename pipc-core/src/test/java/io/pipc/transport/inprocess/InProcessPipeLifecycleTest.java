package io.pipc.transport.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.CodecException;
import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.transport.AbstractPipe;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InProcessPipeLifecycleTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<PipePair> pairs = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        pairs.forEach(PipePair::close);
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PipePair pair(PipeOptions options) {
        PipePair pair = Pipes.pair(options);
        pairs.add(pair);
        return pair;
    }

    private PipePair pair() {
        return pair(PipeOptions.defaults());
    }

    private static <T> Throwable failureOf(Future<T> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected the call to fail, it returned");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void closeWakesAThreadBlockedInRead() {
        PipePair pair = pair();
        Future<byte[]> reader = threads.submit(() -> pair.right().read());
        await().until(() -> isWaiting(reader, pair));

        pair.right().close();

        assertThat(failureOf(reader)).isInstanceOf(PipeClosedException.class).hasMessageContaining(pair.right().name());
    }

    @Test
    void closeWakesAThreadBlockedInWriteOnAFullPeer() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(1, 1024).writeTimeout(Duration.ofMinutes(1)).build());
        pair.left().write("fills the queue");
        Future<?> writer = threads.submit(() -> pair.left().write("blocks"));
        await().until(() -> isWaiting(writer, pair));

        pair.left().close();

        assertThat(failureOf(writer)).isInstanceOf(PipeClosedException.class).hasMessageContaining(pair.left().name());
    }

    @Test
    void peerCloseWakesAWriterBlockedOnItsFullQueue() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(1, 1024).writeTimeout(Duration.ofMinutes(1)).build());
        pair.left().write("fills the queue");
        Future<?> writer = threads.submit(() -> pair.left().write("blocks"));
        await().until(() -> isWaiting(writer, pair));

        pair.right().close();

        assertThat(failureOf(writer)).isInstanceOf(PeerClosedException.class).hasMessageContaining(pair.right().name());
    }

    @Test
    void everyOperationAfterCloseThrowsPipeClosed() {
        PipePair pair = pair();
        pair.left().close();

        assertThat(pair.left().isOpen()).isFalse();
        assertThatThrownBy(() -> pair.left().write("late")).isInstanceOf(PipeClosedException.class)
                .hasMessage("pipe '" + pair.left().name() + "' is closed");
        assertThatThrownBy(() -> pair.left().read()).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> pair.left().pending()).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> pair.left().flush()).isInstanceOf(PipeClosedException.class);
        assertThatThrownBy(() -> pair.left().disconnect("bye")).isInstanceOf(PipeClosedException.class);
        assertThat(pair.left().size()).isZero();
    }

    @Test
    void closeIsIdempotent() {
        PipePair pair = pair();
        pair.left().close();
        pair.left().close();

        assertThat(pair.left().isOpen()).isFalse();
        assertThat(pair.right().isOpen()).isTrue();
    }

    @Test
    void readAfterPeerCloseDrainsQueuedMessagesThenThrowsEveryTime() {
        PipePair pair = pair();
        pair.left().write("one");
        pair.left().write("two");
        pair.left().close();

        assertThat(pair.right().readString()).isEqualTo("one");
        assertThat(pair.right().readString()).isEqualTo("two");
        assertThatThrownBy(() -> pair.right().read()).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining(pair.left().name()).hasMessageContaining("closed");
        assertThatThrownBy(() -> pair.right().read(Duration.ofSeconds(1))).isInstanceOf(PeerClosedException.class);
        assertThatThrownBy(() -> pair.right().write("to nobody")).isInstanceOf(PeerClosedException.class);
    }

    @Test
    void peerCloseWakesABlockedReader() {
        PipePair pair = pair();
        Future<byte[]> reader = threads.submit(() -> pair.right().read());
        await().until(() -> isWaiting(reader, pair));

        pair.left().close();

        assertThat(failureOf(reader)).isInstanceOf(PeerClosedException.class);
    }

    @Test
    void disconnectIsSeenAfterEarlierMessagesAndTheNextWriteReconnects() {
        PipePair pair = pair();
        pair.left().write("before");
        pair.left().disconnect("going to lunch");

        assertThat(pair.right().readString()).isEqualTo("before");
        assertThatThrownBy(() -> pair.right().read())
                .isInstanceOfSatisfying(PeerDisconnectedException.class, e -> assertThat(e.reason()).isEqualTo("going to lunch"))
                .hasMessageContaining("going to lunch");
        assertThat(pair.right().isOpen()).isTrue();
        assertThat(pair.left().isOpen()).isTrue();

        pair.left().write("after lunch");
        pair.right().write("welcome back");

        assertThat(pair.right().readString(Duration.ofSeconds(5))).isEqualTo("after lunch");
        assertThat(pair.left().readString(Duration.ofSeconds(5))).isEqualTo("welcome back");
    }

    @Test
    void aWriteFromThePeerAlsoReconnectsAndAnotherDisconnectIsSeenAgain() {
        PipePair pair = pair();
        pair.left().disconnect("first");
        assertThatThrownBy(() -> pair.right().read()).isInstanceOf(PeerDisconnectedException.class);

        pair.right().write("I reconnect");
        assertThat(pair.left().readString(Duration.ofSeconds(5))).isEqualTo("I reconnect");

        pair.left().disconnect("second");
        assertThatThrownBy(() -> pair.right().read())
                .isInstanceOfSatisfying(PeerDisconnectedException.class, e -> assertThat(e.reason()).isEqualTo("second"));
    }

    @Test
    void aSecondDisconnectBeforeReconnectingIsNotSeenTwice() {
        PipePair pair = pair();
        pair.left().disconnect("once");
        pair.left().disconnect("twice");

        assertThatThrownBy(() -> pair.right().read()).isInstanceOf(PeerDisconnectedException.class).hasMessageContaining("once");
        assertThatThrownBy(() -> pair.right().read(Duration.ofMillis(20))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void pendingStopsAtADisconnectAndLeavesItForTheNextRead() {
        PipePair pair = pair();
        pair.left().write("a");
        pair.left().disconnect("stop");

        assertThat(pair.right().pending()).hasSize(1);
        assertThatThrownBy(() -> pair.right().read()).isInstanceOf(PeerDisconnectedException.class);
    }

    @Test
    void aFullQueueBlocksTheWriterAndReadingFreesIt() throws Exception {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(2, 1 << 20).writeTimeout(Duration.ofMinutes(1)).build());
        pair.left().write("1");
        pair.left().write("2");
        Future<?> writer = threads.submit(() -> pair.left().write("3"));
        await().until(() -> isWaiting(writer, pair));
        assertThat(writer).isNotDone();

        assertThat(pair.right().readString()).isEqualTo("1");

        writer.get(10, TimeUnit.SECONDS);
        assertThat(pair.right().readString()).isEqualTo("2");
        assertThat(pair.right().readString()).isEqualTo("3");
    }

    @Test
    void aQueueFullOfBytesBlocksTheWriterToo() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(1000, 100).writeTimeout(Duration.ofMillis(50)).build());
        pair.left().write(new byte[60]);

        assertThatThrownBy(() -> pair.left().write(new byte[60])).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aMessageLargerThanTheByteCapacityStillPassesThroughAnEmptyQueue() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(10, 100).build());

        pair.left().write(new byte[1000]);

        assertThat(pair.right().read()).hasSize(1000);
    }

    @Test
    void aWriterBlockedLongerThanTheWriteTimeoutFailsAndWritesNothing() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(1, 1024).writeTimeout(Duration.ofMillis(100)).build());
        pair.left().write("fills");

        assertThatThrownBy(() -> pair.left().write("too many"))
                .isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining(pair.left().name()).hasMessageContaining("PT0.1S").hasMessageContaining("nothing was written");
        assertThat(pair.right().size()).isEqualTo(1);
        assertThat(pair.left().isOpen()).isTrue();
    }

    @Test
    void aZeroWriteTimeoutFailsAtOnceWhenThePeerIsFull() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(1, 1024).writeTimeout(Duration.ZERO).build());
        pair.left().write("fills");

        assertThatThrownBy(() -> pair.left().write("no room")).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aMessageOverTheMaximumIsRefusedAndNothingIsWritten() {
        PipePair pair = pair(PipeOptions.builder().maxMessageSize(10).build());

        assertThatThrownBy(() -> pair.left().write(new byte[11]))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
                    assertThat(e.size()).isEqualTo(11);
                    assertThat(e.maximum()).isEqualTo(10);
                })
                .hasMessageContaining(pair.left().name());
        pair.left().write(new byte[10]);
        assertThat(pair.right().read()).hasSize(10);
    }

    @Test
    void readStringRefusesMalformedUtf8AndThePipeStaysUsable() {
        PipePair pair = pair();
        pair.left().write(new byte[] {(byte) 0xC3, (byte) 0x28});
        pair.left().write("fine");

        assertThatThrownBy(() -> pair.right().readString()).isInstanceOf(CodecException.class)
                .hasMessageContaining(pair.right().name()).hasMessageContaining("not valid UTF-8");
        assertThat(pair.right().readString()).isEqualTo("fine");
    }

    @Test
    void writeStringRefusesAnUnpairedSurrogateAndWritesNothing() {
        PipePair pair = pair();

        assertThatThrownBy(() -> pair.left().write("broken \uD800 text")).isInstanceOf(CodecException.class)
                .hasMessageContaining(pair.left().name()).hasMessageContaining("nothing was written");
        assertThat(pair.right().size()).isZero();
        pair.left().write("ok \uD83D\uDE00");
        assertThat(pair.right().readString()).isEqualTo("ok \uD83D\uDE00");
    }

    @Test
    void stopReceivingLosesNothingTheBusyPeerWroteAndStillLetsThisEndReply() throws Exception {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(64, 1 << 20).build());
        Future<Integer> sender = threads.submit(() -> {
            int written = 0;
            try {
                while (true) {
                    pair.right().write(java.nio.ByteBuffer.allocate(4).putInt(written).array());
                    written++;
                }
            } catch (PeerClosedException stopped) {
                assertThat(stopped).hasMessageContaining("stopped receiving");
                return written;
            }
        });
        for (int i = 0; i < 1000; i++) {
            pair.left().read(Duration.ofSeconds(5));
        }

        pair.left().stopReceiving();

        int read = 1000;
        try {
            while (true) {
                assertThat(java.nio.ByteBuffer.wrap(pair.left().read(Duration.ofSeconds(5))).getInt()).isEqualTo(read++);
            }
        } catch (PeerClosedException end) {
        }
        assertThat(read).isEqualTo(sender.get(10, TimeUnit.SECONDS));
        pair.left().write("a reply after stopping");
        assertThat(pair.right().readString(Duration.ofSeconds(5))).isEqualTo("a reply after stopping");
    }

    @Test
    void envelopeHeadersTravelWithTheMessage() {
        PipePair pair = pair();
        pair.left().write(new Envelope("payload".getBytes(), "req-42", "text/plain"));

        Envelope received = pair.right().readEnvelope(Duration.ofSeconds(5));

        assertThat(received.correlationId()).isEqualTo("req-42");
        assertThat(received.contentType()).isEqualTo("text/plain");
        assertThat(new String(received.payload())).isEqualTo("payload");
    }

    @Test
    void anInterruptedReaderGetsAPipeExceptionAndKeepsItsInterruptFlag() throws Exception {
        PipePair pair = pair();
        CompletableFuture<RuntimeException> thrown = new CompletableFuture<>();
        CompletableFuture<Boolean> flagAfter = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                pair.right().read();
                thrown.complete(null);
            } catch (RuntimeException e) {
                flagAfter.complete(Thread.currentThread().isInterrupted());
                thrown.complete(e);
            }
        });
        reader.start();
        await().until(() -> ((AbstractPipe) pair.right()).readersWaiting() == 1);

        reader.interrupt();

        assertThat(thrown.get(10, TimeUnit.SECONDS)).isExactlyInstanceOf(PipeException.class)
                .hasMessageContaining("interrupted").hasCauseInstanceOf(InterruptedException.class);
        assertThat(flagAfter.get(10, TimeUnit.SECONDS)).as("the interrupt flag is kept").isTrue();
    }

    /** True once the task's thread waits in one of the pair's queues, as the queues count their waiting threads. */
    private boolean isWaiting(Future<?> task, PipePair pair) {
        AbstractPipe left = (AbstractPipe) pair.left();
        AbstractPipe right = (AbstractPipe) pair.right();
        return !task.isDone() && left.readersWaiting() + right.readersWaiting() + left.producersWaiting() + right.producersWaiting() > 0;
    }
}
