package io.pipc.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InputStreamChannelTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void readsIntoDirectAndHeapBuffersThenReportsTheEnd() throws IOException {
        InputStreamChannel channel = new InputStreamChannel(new ByteArrayInputStream("abcdef".getBytes()));

        ByteBuffer direct = ByteBuffer.allocateDirect(4);
        assertThat(channel.read(direct)).isEqualTo(4);
        ByteBuffer heap = ByteBuffer.allocate(16).put((byte) '>');
        assertThat(channel.read(heap)).isEqualTo(2);

        assertThat(channel.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        assertThat(new String(bytes(direct.flip()))).isEqualTo("abcd");
        assertThat(new String(bytes(heap.flip()))).isEqualTo(">ef");
    }

    @Test
    void aFullBufferReadsNothingWithoutBlocking() throws IOException {
        InputStreamChannel channel = new InputStreamChannel(new BlockingStream(new CountDownLatch(1)));

        assertThat(channel.read(ByteBuffer.allocate(0))).isZero();
    }

    @Test
    void aReadAfterCloseThrowsClosedChannelAndCloseIsIdempotent() throws IOException {
        InputStreamChannel channel = new InputStreamChannel(new ByteArrayInputStream(new byte[10]));

        channel.close();
        channel.close();

        assertThat(channel.isOpen()).isFalse();
        assertThatThrownBy(() -> channel.read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void aReadThatFailsBecauseOfACloseReportsTheCloseNotAnIoError() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        BlockingStream stream = new BlockingStream(entered);
        InputStreamChannel channel = new InputStreamChannel(stream);
        Future<Integer> reader = threads.submit(() -> channel.read(ByteBuffer.allocate(8)));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        channel.close();

        assertThatThrownBy(() -> reader.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(AsynchronousCloseException.class);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** Blocks every read until closed, then fails it the way the JDK's closed streams do. */
    private static final class BlockingStream extends InputStream {
        private final CountDownLatch entered;
        private final CountDownLatch closed = new CountDownLatch(1);

        BlockingStream(CountDownLatch entered) {
            this.entered = entered;
        }

        @Override
        public int read() {
            throw new AssertionError("single-byte reads are never wanted");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            entered.countDown();
            try {
                closed.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            throw new IOException("Stream closed");
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }
}
