package io.pipc.transport.stdio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * A readable channel over an {@link InputStream} that reads as much as one call of the stream
 * gives, up to 64 KiB, into the caller's buffer: the parent's side of a child's standard output.
 *
 * <p>{@code Channels.newChannel} would do, but moves at most 8 KiB per call and asks the stream
 * for its available bytes in between; this adapter makes one blocking read per call, so a
 * batch of frames the child wrote at once arrives in one system call.
 *
 * <p>Closing closes the stream but cannot wake a thread blocked reading it (the JDK's process
 * streams are not interruptible); that read returns when the child writes, closes its output
 * or exits, and then reports the channel closed.
 */
public final class InputStreamChannel implements ReadableByteChannel {

    private static final int TRANSFER_SIZE = 64 * 1024;

    private final InputStream in;
    /** Held across the blocking read: a lock, not a monitor, so that a virtual thread waiting for it does not pin its carrier. */
    private final ReentrantLock readLock = new ReentrantLock();
    private byte @Nullable [] transfer;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param in the stream to read from; this channel owns it and closes it
     */
    public InputStreamChannel(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
        readLock.lock();
        try {
            if (closed.get()) {
                throw new ClosedChannelException();
            }
            int wanted = Math.min(target.remaining(), TRANSFER_SIZE);
            if (wanted == 0) {
                return 0;
            }
            try {
                if (target.hasArray()) {
                    int n = in.read(target.array(), target.arrayOffset() + target.position(), wanted);
                    if (n > 0) {
                        target.position(target.position() + n);
                    }
                    return checkOpen(n);
                }
                byte[] bytes = transfer();
                int n = in.read(bytes, 0, wanted);
                if (n > 0) {
                    target.put(bytes, 0, n);
                }
                return checkOpen(n);
            } catch (IOException e) {
                if (closed.get()) {
                    AsynchronousCloseException closed = new AsynchronousCloseException();
                    closed.initCause(e);
                    throw closed;
                }
                throw e;
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            in.close();
        }
    }

    /** An end of stream seen after a close is the close, not the peer's end. */
    private int checkOpen(int n) throws AsynchronousCloseException {
        if (n < 0 && closed.get()) {
            throw new AsynchronousCloseException();
        }
        return n;
    }

    private byte[] transfer() {
        byte[] bytes = transfer;
        if (bytes == null) {
            bytes = new byte[TRANSFER_SIZE];
            transfer = bytes;
        }
        return bytes;
    }
}
