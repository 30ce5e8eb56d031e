package io.pipc.transport.stdio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * A gathering channel over an {@link OutputStream} that writes each batch whole and then
 * flushes it: the parent's side of a child's standard input.
 *
 * <p>{@link Process#getOutputStream()} is buffered, so without the flush a small message would
 * wait in the JDK's buffer for more to come. Small buffers of one batch are gathered into one
 * transfer array and leave in one system call; a large heap buffer is written from its own
 * array, without a copy.
 *
 * <p>{@link #close()} never blocks. The JDK's process stream flushes under the same lock that
 * a write blocked on a child that does not read holds, so closing it then would hang the
 * closer until the child reads or dies. Instead, while a write is in flight close only marks
 * the channel closed, and the writing thread closes the stream when its write returns, which
 * it does at the latest when the child exits.
 */
public final class FlushingOutputChannel implements GatheringByteChannel {

    /** Batches are gathered up to this size; a heap buffer this large is written from its own array. */
    static final int TRANSFER_SIZE = 64 * 1024;

    private final OutputStream out;
    /** Held across the blocking write: a lock, not a monitor, so that a virtual thread waiting for it does not pin its carrier. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private byte @Nullable [] transfer;
    private boolean writing;
    private boolean closed;
    private boolean streamClosed;

    /**
     * @param out the stream to write to; this channel owns it and closes it
     */
    public FlushingOutputChannel(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, sources.length);
        if (!isOpen()) {
            // Checked before queueing behind a write that may stay blocked until the child exits.
            throw new ClosedChannelException();
        }
        writeLock.lock();
        try {
            begin();
            try {
                long written = 0;
                int filled = 0;
                for (int i = offset; i < offset + length; i++) {
                    ByteBuffer source = sources[i];
                    while (source.hasRemaining()) {
                        int n = source.remaining();
                        if (source.hasArray() && n >= TRANSFER_SIZE) {
                            filled = drain(filled);
                            out.write(source.array(), source.arrayOffset() + source.position(), n);
                            source.position(source.limit());
                        } else {
                            byte[] gathered = transfer();
                            n = Math.min(n, gathered.length - filled);
                            source.get(gathered, filled, n);
                            filled += n;
                            if (filled == gathered.length) {
                                filled = drain(filled);
                            }
                        }
                        written += n;
                    }
                }
                drain(filled);
                out.flush();
                return written;
            } finally {
                end();
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] sources) throws IOException {
        return write(sources, 0, sources.length);
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        return (int) write(new ByteBuffer[] {source}, 0, 1);
    }

    @Override
    public boolean isOpen() {
        synchronized (stateLock) {
            return !closed;
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (writing) {
                return;
            }
            streamClosed = true;
        }
        out.close();
    }

    private int drain(int filled) throws IOException {
        if (filled > 0) {
            out.write(transfer(), 0, filled);
        }
        return 0;
    }

    private byte[] transfer() {
        byte[] gathered = transfer;
        if (gathered == null) {
            gathered = new byte[TRANSFER_SIZE];
            transfer = gathered;
        }
        return gathered;
    }

    private void begin() throws ClosedChannelException {
        synchronized (stateLock) {
            if (closed) {
                throw new ClosedChannelException();
            }
            writing = true;
        }
    }

    private void end() {
        synchronized (stateLock) {
            writing = false;
            if (!closed || streamClosed) {
                return;
            }
            streamClosed = true;
        }
        try {
            out.close();
        } catch (IOException e) {
            // Closed late because a write was in flight: the channel is already closed for its owner,
            // and a failure to flush what no one waits for any more has nobody to tell.
        }
    }
}
