package io.pipc.transport.stdio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FlushingOutputChannelTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void smallBuffersOfOneBatchLeaveInOneWriteFollowedByOneFlush() throws IOException {
        RecordingStream stream = new RecordingStream();
        FlushingOutputChannel channel = new FlushingOutputChannel(stream);
        ByteBuffer[] batch = {direct("one "), ByteBuffer.wrap("two ".getBytes()), direct("three")};

        long written = channel.write(batch, 0, 3);

        assertThat(written).isEqualTo(13);
        assertThat(stream.events).containsExactly("write 13", "flush");
        assertThat(stream.bytes.toString()).isEqualTo("one two three");
        assertThat(batch).allMatch(buffer -> !buffer.hasRemaining());
    }

    @Test
    void aLargeHeapBufferIsWrittenFromItsOwnArrayWithoutACopy() throws IOException {
        RecordingStream stream = new RecordingStream();
        FlushingOutputChannel channel = new FlushingOutputChannel(stream);
        byte[] large = new byte[FlushingOutputChannel.TRANSFER_SIZE + 1];
        new Random(1).nextBytes(large);

        channel.write(new ByteBuffer[] {direct("head"), ByteBuffer.wrap(large), direct("tail")});

        assertThat(stream.events).containsExactly("write 4", "write " + large.length + " (own array)", "write 4", "flush");
        assertThat(stream.arrays).contains(large);
    }

    @Test
    void largeDirectBuffersArriveIntactAndInOrder() throws IOException {
        RecordingStream stream = new RecordingStream();
        FlushingOutputChannel channel = new FlushingOutputChannel(stream);
        byte[] payload = new byte[3 * FlushingOutputChannel.TRANSFER_SIZE + 17];
        new Random(2).nextBytes(payload);
        ByteBuffer buffer = ByteBuffer.allocateDirect(payload.length).put(payload).flip();

        channel.write(buffer);

        assertThat(stream.bytes.toByteArray()).isEqualTo(payload);
        assertThat(stream.events).endsWith("flush");
    }

    @Test
    void aSmallMessageReachesTheChildAtOnceWithoutWaitingForMore() throws Exception {
        Process cat = child("cat");
        FlushingOutputChannel out = new FlushingOutputChannel(cat.getOutputStream());
        InputStreamChannel in = new InputStreamChannel(cat.getInputStream());

        out.write(ByteBuffer.wrap("ping".getBytes()));

        ByteBuffer echoed = ByteBuffer.allocate(4);
        while (echoed.hasRemaining()) {
            assertThat(in.read(echoed)).isPositive();
        }
        assertThat(new String(echoed.array())).isEqualTo("ping");
        out.close();
        assertThat(in.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }

    @Test
    void closeReturnsAtOnceWhileAWriteIsBlockedOnAChildThatDoesNotRead() throws Exception {
        Process sleeper = child("sleep", "60");
        InWrite toChild = new InWrite(sleeper.getOutputStream());
        FlushingOutputChannel channel = new FlushingOutputChannel(toChild);
        // Far more than an operating-system pipe holds: the write blocks in the JDK's synchronized stream.
        Future<Integer> writer = threads.submit(() -> channel.write(ByteBuffer.allocateDirect(4 * 1024 * 1024)));
        // Inside the child's stream with 4 MiB for a pipe of 64 KiB that nobody reads: it cannot come back.
        await().until(() -> !writer.isDone() && toChild.writing);

        // The writer cannot come back for the whole 60 s the child sleeps; 4 s leaves room for a slow machine.
        assertTimeoutPreemptively(Duration.ofSeconds(4), channel::close);

        assertThat(channel.isOpen()).isFalse();
        assertThatThrownBy(() -> channel.write(direct("late"))).isInstanceOf(ClosedChannelException.class);
        // The blocked write ends when the child does.
        sleeper.destroyForcibly();
        assertThatThrownBy(() -> writer.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void aCloseDuringAWriteClosesTheStreamOnceTheWriteReturns() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RecordingStream stream = new RecordingStream() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                super.write(b, off, len);
            }
        };
        FlushingOutputChannel channel = new FlushingOutputChannel(stream);
        Future<Integer> writer = threads.submit(() -> channel.write(direct("in flight")));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        channel.close();
        assertThat(stream.events).doesNotContain("close");

        release.countDown();
        assertThat(writer.get(10, TimeUnit.SECONDS)).isEqualTo(9);
        assertThat(stream.events).endsWith("flush", "close");
    }

    @Test
    void closeClosesAnIdleStreamAtOnceAndOnlyOnce() throws IOException {
        RecordingStream stream = new RecordingStream();
        FlushingOutputChannel channel = new FlushingOutputChannel(stream);

        channel.close();
        channel.close();

        assertThat(stream.events).containsExactly("close");
    }

    private Process child(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(process);
        return process;
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes();
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    /** Says whether a write is inside the stream underneath right now. */
    private static final class InWrite extends java.io.FilterOutputStream {
        volatile boolean writing;

        InWrite(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            writing = true;
            try {
                out.write(bytes, offset, length);
            } finally {
                writing = false;
            }
        }
    }

    /** Records each call it receives, and the bytes. */
    private static class RecordingStream extends OutputStream {
        final List<String> events = new ArrayList<>();
        final List<byte[]> arrays = new ArrayList<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            throw new AssertionError("single-byte writes are never wanted");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            boolean own = off == 0 && len == b.length && len > FlushingOutputChannel.TRANSFER_SIZE;
            events.add("write " + len + (own ? " (own array)" : ""));
            arrays.add(b);
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {
            events.add("flush");
        }

        @Override
        public void close() {
            events.add("close");
        }
    }
}
