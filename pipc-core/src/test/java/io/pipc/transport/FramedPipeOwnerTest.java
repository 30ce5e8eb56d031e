package io.pipc.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import java.util.function.Supplier;

import io.pipc.Envelope;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Transport;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A connection's state moves only on its owner; other threads send it commands. */
@Timeout(20)
class FramedPipeOwnerTest {

    private final ExecutorService owner = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopOwner() throws InterruptedException {
        owner.shutdownNow();
        assertThat(owner.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aChangeOfStateOffTheOwnerIsRefused() {
        OwnedPipe pipe = new OwnedPipe(owner);

        assertThatThrownBy(pipe::releaseHere).isInstanceOf(AssertionError.class).hasMessageContaining("off its owner");
        assertThat(pipe.lifecycle()).isEqualTo(FramedPipe.Lifecycle.OPEN);
    }

    @Test
    void commandsFromOtherThreadsRunOnTheOwnerInOrder() throws Exception {
        OwnedPipe pipe = new OwnedPipe(owner);

        pipe.disconnect("leaving");
        pipe.releaseViaOwner();

        owner.submit(() -> { }).get(10, TimeUnit.SECONDS);
        assertThat(pipe.seen).containsExactly(FramedPipe.Lifecycle.DISCONNECTING, FramedPipe.Lifecycle.RELEASED);
        assertThat(pipe.releasedOnOwner).isTrue();
    }

    @Test
    void silenceAcrossTheOwnersOwnStallIsNotBlamedOnThePeerButAfterItIs() throws Exception {
        Duration heartbeat = Duration.ofMillis(100);
        OwnedPipe pipe = new OwnedPipe(owner, PipeOptions.builder().heartbeat(heartbeat).build());
        long start = System.nanoTime();
        long heard = start;

        // Checked every 50 ms, then not for a second: this end stalled, and the peer's last word is a second old.
        pipe.checkOnOwner(start, heard);
        pipe.checkOnOwner(start + 50_000_000L, heard);
        pipe.checkOnOwner(start + 1_050_000_000L, heard);
        assertThat(pipe.lifecycle()).as("right after its own stall").isEqualTo(FramedPipe.Lifecycle.OPEN);

        // The next regular check finds the peer still silent: now it is the peer's.
        pipe.checkOnOwner(start + 1_100_000_000L, heard);
        assertThat(pipe.lifecycle()).isNotEqualTo(FramedPipe.Lifecycle.OPEN);
        assertThat(pipe.failure).hasMessageContaining("sent nothing, not even a heartbeat");
    }

    /** A framed pipe with no bytes moving at all, whose owner is one executor's thread. */
    private static final class OwnedPipe extends FramedPipe {
        private final ExecutorService ownerThread;
        private volatile Thread ownerIs;
        final List<FramedPipe.Lifecycle> seen = new CopyOnWriteArrayList<>();
        volatile boolean releasedOnOwner;

        volatile @Nullable Throwable failure;

        OwnedPipe(ExecutorService ownerThread) {
            this(ownerThread, PipeOptions.defaults());
        }

        OwnedPipe(ExecutorService ownerThread, PipeOptions options) {
            super("owned", Transport.FIFO, options, Role.ACCEPTOR, "nobody", 1024,
                    ConnectionBinding.of(new ConnectionEnds("here", "there")), FramedPipe.Lifecycle.OPEN);
            this.ownerThread = ownerThread;
            try {
                this.ownerIs = ownerThread.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        void checkOnOwner(long now, long lastReceivedNanos) throws Exception {
            ownerThread.submit(() -> checkLiveness(now, lastReceivedNanos, 0, false)).get(10, TimeUnit.SECONDS);
        }

        @Override
        protected void inboundEnded(Supplier<? extends PipeException> ending) {
            failure = ending.get();
            super.inboundEnded(ending);
        }

        void releaseHere() {
            release();
        }

        void releaseViaOwner() {
            toOwner(this::release);
        }

        @Override
        protected void awaitPeerAfterDisconnect() {
            seen.add(lifecycle());
        }

        @Override
        protected void flushQueued() {
        }

        @Override
        protected void releaseResources() {
            releasedOnOwner = inOwner();
            seen.add(lifecycle());
        }

        @Override
        protected boolean inOwner() {
            return Thread.currentThread() == ownerIs;
        }

        @Override
        protected void toOwner(Runnable command) {
            if (inOwner()) {
                command.run();
            } else {
                ownerThread.execute(command);
            }
        }

        @Override
        public void write(Envelope message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            markClosed();
            toOwner(this::release);
        }
    }
}
