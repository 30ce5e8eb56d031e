package io.pipc.transport.fifo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A FIFO's second write end, which the writing thread uses and which never waits. */
@Timeout(10)
class NonBlockingFifoOutputTest {

    private final Posix posix = Posix.system();

    @TempDir
    Path dir;

    private int reader = -1;
    private int writer = -1;
    private FileChannel in;

    @BeforeEach
    void openFifo() throws Exception {
        assumeThat(posix.isAvailable()).as(posix.unavailableReason()).isTrue();
        assumeThat(posix.reopensDescriptors()).as("only where a descriptor's path opens the FIFO anew").isTrue();
        Path fifo = dir.resolve("fifo");
        posix.mkfifo(fifo, 0600);
        reader = posix.open(fifo, EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC));
        writer = posix.open(fifo, EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC));
        // Blocking, as the pipe's own read end is.
        in = FileChannel.open(posix.descriptorPath(reader), StandardOpenOption.READ);
    }

    @AfterEach
    void closeFifo() throws Exception {
        if (in != null) {
            in.close();
        }
        for (int fd : new int[] {reader, writer}) {
            if (fd >= 0) {
                posix.close(fd);
            }
        }
    }

    @Test
    void gatheringWritesReachTheReaderInOrderUntilTheFifoIsFullThenTakeNothing() throws Exception {
        NonBlockingFifoOutput output = NonBlockingFifoOutput.openAlongside(posix, writer);
        assertThat(output).isNotNull();
        try (output) {
            ByteBuffer[] parts = {direct("one "), direct("two "), direct("three")};
            assertThat(output.write(parts, 0, 3)).isEqualTo(13);
            ByteBuffer got = ByteBuffer.allocate(13);
            while (got.hasRemaining()) {
                in.read(got);
            }
            assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("one two three");

            ByteBuffer big = ByteBuffer.allocateDirect(16 << 20);
            long first = output.write(big);
            assertThat(first).as("what fits in the FIFO").isPositive().isLessThan(big.capacity());
            assertThat(output.write(new ByteBuffer[] {direct("more"), direct("and more")})).as("a full FIFO takes nothing, at once")
                    .isZero();
        }
    }

    @Test
    void aHeapBufferIsLeftToTheBlockingChannel() throws Exception {
        try (NonBlockingFifoOutput output = NonBlockingFifoOutput.openAlongside(posix, writer)) {
            ByteBuffer heap = ByteBuffer.wrap("large payload".getBytes(StandardCharsets.US_ASCII));

            assertThat(output.write(heap)).isZero();
            assertThat(heap.position()).isZero();
        }
    }

    @Test
    void aClosedOutputRefusesWritesAndClosesOnce() throws Exception {
        NonBlockingFifoOutput output = NonBlockingFifoOutput.openAlongside(posix, writer);
        output.close();
        output.close();

        assertThat(output.isOpen()).isFalse();
        assertThatThrownBy(() -> output.write(direct("late"))).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void itIsASecondDescriptorOfItsOwn() throws Exception {
        NonBlockingFifoOutput output = NonBlockingFifoOutput.openAlongside(posix, writer);
        posix.close(writer);
        writer = -1;
        try (output) {
            assertThat(output.write(direct("still"))).isEqualTo(5);
        }
    }

    private static ByteBuffer direct(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }
}
