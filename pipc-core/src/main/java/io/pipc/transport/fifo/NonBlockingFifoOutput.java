package io.pipc.transport.fifo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;

import org.jspecify.annotations.Nullable;

/**
 * A FIFO's write end whose writes never wait: each takes what fits in the FIFO now, possibly
 * nothing. The pipe's writing thread hands its frames to the FIFO through it, with no hop to the
 * writer thread, whenever the FIFO has room; what does not fit is left to the writer thread and
 * its blocking channel, which can wait for the reader as long as the write timeout allows.
 *
 * <p>Only direct buffers are written here (the outbox's chunks); any other buffer counts as not
 * fitting, so a large payload, which goes from its own array, is the blocking channel's.
 *
 * <p>The descriptor is closed once, and never while a write uses it: a closed descriptor's
 * number may be reused by the next {@code open} in this process, and must not be written to.
 */
final class NonBlockingFifoOutput implements GatheringByteChannel {

    private final Posix posix;
    private final int fd;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean open = true;

    private NonBlockingFifoOutput(Posix posix, int fd) {
        this.posix = posix;
        this.fd = fd;
    }

    /**
     * @param posix the POSIX calls
     * @param writing an open write descriptor of the FIFO; left open
     * @return a second, non-blocking write end of the same FIFO; null where a descriptor's path
     *         duplicates the descriptor (the BSDs and macOS) rather than opening the FIFO anew,
     *         since a duplicate would share its blocking mode with the pipe's blocking channel
     * @throws IOException when the open fails
     */
    static @Nullable NonBlockingFifoOutput openAlongside(Posix posix, int writing) throws IOException {
        if (!posix.reopensDescriptors()) {
            return null;
        }
        int fd = posix.open(posix.descriptorPath(writing), EnumSet.of(OpenFlag.WRITE_ONLY,
                OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC));
        return new NonBlockingFifoOutput(posix, fd);
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        Objects.requireNonNull(source, "source");
        if (!source.isDirect()) {
            return 0;
        }
        lock.lock();
        try {
            if (!open) {
                throw new ClosedChannelException();
            }
            return posix.write(fd, source);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, sources.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer source = sources[i];
            int wanted = source.remaining();
            int written = write(source);
            total += written;
            if (written < wanted) {
                break;
            }
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] sources) throws IOException {
        return write(sources, 0, sources.length);
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!open) {
                return;
            }
            open = false;
            posix.close(fd);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "NonBlockingFifoOutput[fd " + fd + (isOpen() ? "" : ", closed") + "]";
    }
}
