package io.pipc.transport.stream;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.transport.FramedPipe;
import io.pipc.transport.Deadline;
import io.pipc.transport.Outbox;
import io.pipc.transport.SharedFailure;
import io.pipc.transport.SharedThreads;
import io.pipc.transport.ThreadSource;
import io.pipc.transport.Watchdog;
import io.pipc.wire.Frame;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipe over two blocking byte channels, one per direction: the FIFO and stdio transports.
 *
 * <p>A reader thread runs the handshake, then decodes frames into the inbound queue; when the
 * queue is full it blocks, stops reading, and the operating system's pipe fills, which blocks
 * the peer's writer. A writer thread drains the {@link Outbox}, many frames per system call.
 * Where the transport gives a second output whose writes never wait (a FIFO on Linux), a write
 * that answers something (the first, or one after the application read) hands its frame to the
 * operating system itself, with no wake-up of the writer thread; what does not fit now is left
 * to the writer thread, and a writer that writes again without reading leaves its frames to the
 * writer thread, one system call for each batch, as a socket pipe leaves them to its loop.
 * The shared {@link Watchdog} sends heartbeats on an idle pipe and closes it when the peer goes
 * silent or stalls in the middle of a frame.
 *
 * <p>Closing is orderly: {@link #close()} writes what was queued and a goodbye before letting
 * go; {@link #disconnect(String)} sends a disconnect, keeps delivering what the peer had
 * already sent until the peer answers with its goodbye, then lets go.
 *
 * <p>The owner of the connection's state is whoever holds its lifecycle lock: the reader
 * thread for what it reads (control frames, the end of the stream), the watchdog for the
 * clocks, the application for a close. A lock rather than one thread, because the reader spends
 * its life blocked in a system call and could not take a command until the peer sends a byte;
 * the lock is never held across a blocking call, so no command waits on the peer.
 */
public final class StreamPipe extends FramedPipe {

    private static final Logger log = LoggerFactory.getLogger(StreamPipe.class);

    private static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final long OUTBOX_CAPACITY = 1024 * 1024;

    private final ReadableByteChannel input;
    private final GatheringByteChannel output;
    private final @Nullable GatheringByteChannel directOutput;
    private final Closeable resources;
    private final CompletableFuture<Void> handshakeDone = new CompletableFuture<>();
    private final AtomicInteger ioThreads = new AtomicInteger(2);
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Thread reader;
    private final Thread writer;
    private final SharedThreads.Lease<Watchdog> watchdog;

    private volatile boolean readerBlocked;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile long midFrameSinceNanos;
    private volatile @Nullable Future<?> watch;
    private volatile @Nullable Future<?> disconnectDeadline;

    private StreamPipe(String name, Transport transport, PipeOptions options, Role role, ConnectionEnds ends,
            ReadableByteChannel input, GatheringByteChannel output, @Nullable GatheringByteChannel directOutput,
            Closeable resources, String peer) {
        super(name, transport, options, role, peer, OUTBOX_CAPACITY, ConnectionBinding.of(ends), Lifecycle.HANDSHAKING);
        refuseMessageSink(options, "pipe '" + name + "': " + transport + " pipes");
        this.input = input;
        this.output = output;
        this.directOutput = directOutput;
        this.resources = resources;
        this.reader = ThreadSource.newThread(options.threadFactory(), "pipc-read-" + name, this::readLoop);
        this.writer = ThreadSource.newThread(options.threadFactory(), "pipc-write-" + name, this::writeLoop);
        this.watchdog = Watchdog.acquire(options.threadFactory());
    }

    /**
     * Starts the I/O threads, runs the handshake and returns the connected pipe, which writes
     * through {@code directOutput} from the writing thread whenever that pays.
     *
     * @param name the pipe's name
     * @param transport FIFO or STDIO
     * @param options limits, timeouts, wire and secret
     * @param role whether this end accepted (created, parent) or connected (opened, child)
     * @param ends how the two ends are named (the FIFO each reads, or the two processes), as this end sees them
     * @param input blocking channel the peer's bytes arrive on
     * @param output blocking channel this end's bytes leave on
     * @param directOutput a second channel to where {@code output} goes, whose writes never wait
     *        (they take what fits now, possibly nothing); null for none. Closed by {@code resources},
     *        and by this pipe when its output ends.
     * @param resources closes all the channels and whatever else the transport holds; called once
     * @param peer describes the other end in errors, e.g. {@code the process at the other end of FIFO 'jobs'}
     * @param deadline when the handshake must be complete
     * @return the connected pipe
     * @throws PipeTimeoutException when the peer did not complete the handshake in time
     * @throws PipeException the handshake's failure (protocol, authentication, peer gone); everything is released
     */
    public static StreamPipe start(String name, Transport transport, PipeOptions options, Role role, ConnectionEnds ends,
            ReadableByteChannel input, GatheringByteChannel output, @Nullable GatheringByteChannel directOutput,
            Closeable resources, String peer, Deadline deadline) {
        StreamPipe pipe = new StreamPipe(name, transport, options, role, ends, input, output, directOutput, resources, peer);
        pipe.begin(deadline);
        return pipe;
    }

    private void begin(Deadline deadline) {
        sendHandshakeOutput();
        reader.start();
        writer.start();
        try {
            long remaining = deadline.remainingNanos();
            handshakeDone.get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            toOwner(this::release);
            throw new PipeTimeoutException("pipe '" + name() + "': " + peer() + " did not complete the handshake in time"
                    + " (is it a pipc peer with the same wire?)");
        } catch (ExecutionException e) {
            // Give the peer our refusal, if the handshake produced one, before letting go.
            outbox().refuse(this::closedException, null);
            try {
                outbox().awaitFlushed(Deadline.after(Duration.ofSeconds(1)));
            } catch (PipeException ignored) {
                // best effort
            }
            toOwner(this::release);
            // The handshake fails only with a PipeException.
            throw new SharedFailure((PipeException) Objects.requireNonNull(e.getCause(), "cause")).get();
        } catch (InterruptedException e) {
            toOwner(this::release);
            throw interrupted("waiting for the handshake", e);
        }
        Duration heartbeat = options().heartbeat();
        Duration period = heartbeat.isZero() ? Duration.ofSeconds(1)
                : heartbeat.dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0 ? heartbeat.dividedBy(4) : Duration.ofSeconds(1);
        watch = watchdog.get().every(period,
                () -> toOwner(() -> checkLiveness(System.nanoTime(), lastReceivedNanos, midFrameSinceNanos, readerBlocked)));
        log.debug("pipe '{}' connected to {}", name(), peer());
    }

    @Override
    public void write(Envelope message) {
        Objects.requireNonNull(message, "message");
        ensureOpen();
        checkSize(message);
        Deadline deadline = Deadline.after(options().writeTimeout());
        GatheringByteChannel direct = (directOutput != null && takeDirectWrite()) ? directOutput : null;
        try {
            // From the writing thread when nothing is queued before it; what does not fit now goes on from the
            // writer thread, which the stalled write woke and which can wait for room.
            if (direct != null && outbox().writeNow(message, direct) != null) {
                return;
            }
            Outbox.Ticket ticket = outbox().enqueue(message, deadline, direct == null);
            if (ticket != null) {
                writeLarge(ticket, deadline);
            } else if (direct != null) {
                // Behind frames already queued: flushed from here too, unless another flusher is at it (it writes this one).
                outbox().flushTo(direct, false);
            }
        } catch (IOException e) {
            writeFailed(e);
        }
    }

    /**
     * A large payload is not copied: unless the writer thread is already at work (it then
     * writes this one too), the writing thread hands it to the channel itself, from its own
     * array, with no thread hop. The channel blocks, so a timer keeps the write timeout: a peer
     * that reads nothing for that long leaves the pipe broken mid-frame, and closed.
     */
    private void writeLarge(Outbox.Ticket ticket, Deadline deadline) {
        Runnable broken = () -> toOwner(() -> failEstablished(new PipeTimeoutException("pipe '" + name() + "': " + peer()
                + " stopped reading in the middle of a message for the whole write timeout; the pipe is closed")));
        Future<?> guard = watchdog.get().after(Duration.ofNanos(deadline.remainingNanos()), () -> {
            if (!outbox().isWritten(ticket)) {
                broken.run();
            }
        });
        try {
            outbox().flushTo(output, true);
        } catch (IOException e) {
            writeFailed(e);
        } finally {
            guard.cancel(false);
        }
        outbox().awaitWritten(ticket, deadline, broken);
    }

    @Override
    public void flush() {
        ensureOpen();
        outbox().awaitFlushed(Deadline.after(options().writeTimeout()));
    }

    /** The writer thread was woken by the queueing itself. */
    @Override
    protected void flushQueued() {
    }

    @Override
    protected void awaitPeerAfterDisconnect() {
        disconnectDeadline = watchdog.get().after(options().writeTimeout(), () -> toOwner(() -> {
            if (disconnecting()) {
                endDisconnected(" (the peer did not answer)");
            }
        }));
    }

    @Override
    protected boolean inOwner() {
        return lifecycle.isHeldByCurrentThread();
    }

    @Override
    protected void toOwner(Runnable command) {
        lifecycle.lock();
        try {
            command.run();
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void close() {
        boolean first = markClosed();
        inbound().close(this::closedException, this::closedException);
        if (first && !peerEnded() && !isReleased()) {
            outbox().refuse(this::closedException, GOODBYE);
            try {
                outbox().awaitFlushed(Deadline.after(options().writeTimeout()));
            } catch (PipeException e) {
                log.debug("pipe '{}' closed before everything written reached the peer: {}", name(), e.getMessage());
            }
        }
        toOwner(this::release);
        joinIoThreads();
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
        List<Object> entries = new ArrayList<>();
        try {
            while (!handshake().isComplete()) {
                if (input.read(buffer) < 0) {
                    handshake().endOfStream();
                    throw new PeerClosedException("pipe '" + name() + "': " + peer() + " went away during the handshake");
                }
                buffer.flip();
                try {
                    handshake().consume(buffer);
                } finally {
                    sendHandshakeOutput();
                }
                buffer.compact();
            }
            lastReceivedNanos = System.nanoTime();
            toOwner(() -> moveTo(Lifecycle.OPEN));
            handshakeDone.complete(null);
            buffer.flip();
            decode(buffer, entries);
            buffer.clear();
            while (!peerDoneSending()) {
                if (input.read(buffer) < 0) {
                    endOfStream();
                    break;
                }
                lastReceivedNanos = System.nanoTime();
                buffer.flip();
                decode(buffer, entries);
                buffer.clear();
            }
        } catch (PipeException e) {
            readerFailed(e);
        } catch (ClosedChannelException e) {
            readerFailed(new PeerClosedException("pipe '" + name() + "' was closed while reading", e));
        } catch (IOException e) {
            readerFailed(new PeerClosedException("pipe '" + name() + "': reading from " + peer() + " failed: " + e.getMessage(), e));
        } catch (InterruptedException e) {
            readerFailed(new PipeClosedException("pipe '" + name() + "': reader interrupted"));
        } finally {
            ioThreadDone();
        }
    }

    private void decode(ByteBuffer buffer, List<Object> entries) throws InterruptedException {
        PipeException failure = null;
        try {
            decoder().decodeEntries(buffer, entries);
        } catch (PipeException e) {
            failure = e;
        }
        midFrameSinceNanos = midFrameClock(midFrameSinceNanos, !entries.isEmpty());
        for (Object entry : entries) {
            if (entry instanceof Frame frame) {
                toOwner(() -> onControl(frame));
                continue;
            }
            readerBlocked = true;
            try {
                if (entry instanceof byte[] payload) {
                    inbound().offerPayload(payload, Long.MAX_VALUE);
                } else {
                    inbound().offer((Envelope) entry, Long.MAX_VALUE);
                }
            } finally {
                readerBlocked = false;
                lastReceivedNanos = System.nanoTime();
            }
        }
        entries.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private void endOfStream() {
        decoder().endOfStream();
        if (disconnecting()) {
            toOwner(() -> peerWentAway(() -> new PipeClosedException("pipe '" + name() + "' was disconnected")));
            return;
        }
        throw new PeerClosedException("pipe '" + name() + "': " + peer() + " closed without saying goodbye (it exited or was killed)");
    }

    private void readerFailed(PipeException failure) {
        if (!handshakeDone.isDone()) {
            handshakeDone.completeExceptionally(failure);
            return;
        }
        toOwner(() -> failEstablished(failure));
    }

    private void writeLoop() {
        try {
            while (outbox().awaitWork()) {
                if (outbox().flushTo(output, true) == Outbox.FlushResult.DONE) {
                    allowDirectWrite();
                }
            }
            if (!isReleased() && outbox().isFinished()) {
                // Everything, goodbye included, is out: the peer sees the end of the stream.
                output.close();
                if (directOutput != null) {
                    directOutput.close();
                }
            }
        } catch (IOException e) {
            writeFailed(e);
        } catch (InterruptedException e) {
            toOwner(() -> failEstablished(new PipeClosedException("pipe '" + name() + "': writer interrupted")));
        } finally {
            ioThreadDone();
        }
    }

    private void writeFailed(IOException e) {
        if (!isReleased()) {
            // Writes fail from now on; the reader still delivers what the peer sent and reports how its stream ended.
            outbox().abort(new SharedFailure(new PeerClosedException("pipe '" + name() + "': " + peer()
                    + " stopped reading (" + e.getMessage() + "); nothing more can be written", e)));
        }
    }

    private void ioThreadDone() {
        if (ioThreads.decrementAndGet() == 0 && peerEnded()) {
            toOwner(this::release);
        }
    }

    @Override
    protected void releaseResources() {
        cancel(watch);
        cancel(disconnectDeadline);
        watchdog.release();
        try {
            resources.close();
        } catch (IOException | RuntimeException e) {
            log.debug("pipe '{}': closing its channels failed", name(), e);
        }
    }

    private void joinIoThreads() {
        for (Thread thread : List.of(reader, writer)) {
            if (thread == Thread.currentThread() || !thread.isAlive()) {
                continue;
            }
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (thread.isAlive()) {
                log.debug("pipe '{}': thread {} still blocked after close", name(), thread.getName());
            }
        }
    }

    private static void cancel(@Nullable Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }
}
