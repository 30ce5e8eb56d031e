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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.transport.AbstractPipe;
import io.pipc.transport.Deadline;
import io.pipc.transport.Outbox;
import io.pipc.transport.SharedFailure;
import io.pipc.transport.Watchdog;
import io.pipc.wire.Frame;
import io.pipc.wire.FrameDecoder;
import io.pipc.wire.Handshake;
import io.pipc.wire.Role;
import io.pipc.wire.WireFormat;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipe over two blocking byte channels, one per direction: the FIFO and stdio transports.
 *
 * <p>A reader thread runs the handshake, then decodes frames into the inbound queue; when the
 * queue is full it blocks, stops reading, and the operating system's pipe fills, which blocks
 * the peer's writer. A writer thread drains the {@link Outbox}, many frames per system call.
 * The shared {@link Watchdog} sends heartbeats on an idle pipe and closes it when the peer goes
 * silent or stalls in the middle of a frame.
 *
 * <p>Closing is orderly: {@link #close()} writes what was queued and a goodbye before letting
 * go; {@link #disconnect(String)} sends a disconnect, keeps delivering what the peer had
 * already sent until the peer answers with its goodbye, then lets go.
 */
public final class StreamPipe extends AbstractPipe {

    private static final Logger log = LoggerFactory.getLogger(StreamPipe.class);

    private static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final long OUTBOX_CAPACITY = 1024 * 1024;
    private static final Outbox.ControlFrame GOODBYE = (encoder, out) -> encoder.encodeGoodbye(out);
    private static final Outbox.ControlFrame HEARTBEAT = (encoder, out) -> encoder.encodeHeartbeat(out);
    private static final Outbox.ControlFrame STOP = (encoder, out) -> encoder.encodeStop(out);

    private final ReadableByteChannel input;
    private final GatheringByteChannel output;
    private final Closeable resources;
    private final String peer;
    private final Handshake handshake;
    private final FrameDecoder decoder;
    private final Outbox outbox;
    private final boolean heartbeats;
    private final CompletableFuture<Void> handshakeDone = new CompletableFuture<>();
    private final AtomicBoolean released = new AtomicBoolean();
    /** The peer will neither send nor read any more: it closed, disconnected or failed. */
    private final AtomicBoolean peerEnded = new AtomicBoolean();
    /** This end asked the peer to stop sending. */
    private final AtomicBoolean stopSent = new AtomicBoolean();
    private final AtomicInteger ioThreads = new AtomicInteger(2);
    private final Thread reader;
    private final Thread writer;

    private volatile boolean disconnecting;
    /** The peer sends nothing more (it may still read). */
    private volatile boolean inputEnded;
    private volatile boolean readerBlocked;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile long midFrameSinceNanos;
    private volatile @Nullable ScheduledFuture<?> watch;
    private volatile @Nullable ScheduledFuture<?> disconnectDeadline;

    private StreamPipe(String name, Transport transport, PipeOptions options, Role role,
            ReadableByteChannel input, GatheringByteChannel output, Closeable resources, String peer) {
        super(name, transport, options);
        this.input = input;
        this.output = output;
        this.resources = resources;
        this.peer = peer;
        WireFormat wire = WireFormat.of(options, name);
        this.handshake = wire.newHandshake(role);
        this.decoder = wire.newDecoder();
        this.outbox = new Outbox(wire.encoder(), OUTBOX_CAPACITY, name);
        this.heartbeats = options.wire() == Wire.NATIVE && !options.heartbeat().isZero();
        this.reader = new Thread(this::readLoop, "pipc-read-" + name);
        this.writer = new Thread(this::writeLoop, "pipc-write-" + name);
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    /**
     * Starts the I/O threads, runs the handshake and returns the connected pipe.
     *
     * @param name the pipe's name
     * @param transport FIFO or STDIO
     * @param options limits, timeouts, wire and secret
     * @param role whether this end accepted (created, parent) or connected (opened, child)
     * @param input blocking channel the peer's bytes arrive on
     * @param output blocking channel this end's bytes leave on
     * @param resources closes both channels and whatever else the transport holds; called once
     * @param peer describes the other end in errors, e.g. {@code the process at the other end of FIFO 'jobs'}
     * @param deadline when the handshake must be complete
     * @return the connected pipe
     * @throws PipeTimeoutException when the peer did not complete the handshake in time
     * @throws PipeException the handshake's failure (protocol, authentication, peer gone); everything is released
     */
    public static StreamPipe start(String name, Transport transport, PipeOptions options, Role role,
            ReadableByteChannel input, GatheringByteChannel output, Closeable resources, String peer, Deadline deadline) {
        StreamPipe pipe = new StreamPipe(name, transport, options, role, input, output, resources, peer);
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
            release();
            throw new PipeTimeoutException("pipe '" + name() + "': " + peer + " did not complete the handshake in time"
                    + " (is it a pipc peer with the same wire?)");
        } catch (ExecutionException e) {
            // Give the peer our refusal, if the handshake produced one, before letting go.
            outbox.refuse(this::closedException, null);
            try {
                outbox.awaitFlushed(Deadline.after(Duration.ofSeconds(1)));
            } catch (PipeException ignored) {
                // best effort
            }
            release();
            throw new SharedFailure((PipeException) e.getCause()).get();
        } catch (InterruptedException e) {
            release();
            throw interrupted("waiting for the handshake", e);
        }
        Duration heartbeat = options().heartbeat();
        Duration period = heartbeat.isZero() ? Duration.ofSeconds(1)
                : heartbeat.dividedBy(4).compareTo(Duration.ofSeconds(1)) < 0 ? heartbeat.dividedBy(4) : Duration.ofSeconds(1);
        watch = Watchdog.every(period, this::check);
        log.debug("pipe '{}' connected to {}", name(), peer);
    }

    @Override
    public void write(Envelope message) {
        Objects.requireNonNull(message, "message");
        ensureOpen();
        checkSize(message);
        Deadline deadline = Deadline.after(options().writeTimeout());
        Outbox.Ticket ticket = outbox.enqueue(message, deadline);
        if (ticket != null) {
            writeLarge(ticket, deadline);
        }
    }

    /**
     * A large payload is not copied: unless the writer thread is already at work (it then
     * writes this one too), the writing thread hands it to the channel itself, from its own
     * array, with no thread hop. The channel blocks, so a timer keeps the write timeout: a peer
     * that reads nothing for that long leaves the pipe broken mid-frame, and closed.
     */
    private void writeLarge(Outbox.Ticket ticket, Deadline deadline) {
        Runnable broken = () -> failed(new PipeTimeoutException("pipe '" + name() + "': " + peer
                + " stopped reading in the middle of a message for the whole write timeout; the pipe is closed"));
        ScheduledFuture<?> guard = Watchdog.after(Duration.ofNanos(deadline.remainingNanos()), () -> {
            if (!outbox.isWritten(ticket)) {
                broken.run();
            }
        });
        try {
            outbox.flushTo(output, true);
        } catch (IOException e) {
            writeFailed(e);
        } finally {
            guard.cancel(false);
        }
        outbox.awaitWritten(ticket, deadline, broken);
    }

    @Override
    public void flush() {
        ensureOpen();
        outbox.awaitFlushed(Deadline.after(options().writeTimeout()));
    }

    @Override
    public void disconnect(String reason) {
        Objects.requireNonNull(reason, "reason");
        ensureOpen();
        if (options().wire() == Wire.PYTHON) {
            // The Python wire has no disconnect frame: a close says it.
            close();
            return;
        }
        if (!markClosed()) {
            throw closedException();
        }
        disconnecting = true;
        log.debug("pipe '{}' disconnecting: {}", name(), reason);
        String message = "pipe '" + name() + "' was disconnected";
        outbox.refuse(() -> new PipeClosedException(message + "; nothing more can be written"),
                (encoder, out) -> encoder.encodeDisconnect(reason, out));
        if (peerEnded.get()) {
            inbound().finish(() -> new PipeClosedException(message), () -> new PipeClosedException(message));
            release();
            return;
        }
        // The peer answers with its goodbye; one that does not is let go after the write timeout.
        disconnectDeadline = Watchdog.after(options().writeTimeout(), () -> {
            inbound().finish(() -> new PipeClosedException(message + " (the peer did not answer)"),
                    () -> new PipeClosedException(message));
            release();
        });
    }

    @Override
    public void stopReceiving() {
        ensureOpen();
        if (options().wire() == Wire.PYTHON) {
            throw new UnsupportedOperationException("pipe '" + name() + "': the Python wire cannot ask its peer to stop"
                    + " sending; close the pipe instead");
        }
        if (stopSent.compareAndSet(false, true)) {
            outbox.enqueueControl(STOP);
        }
    }

    @Override
    public void close() {
        boolean first = markClosed();
        inbound().close(this::closedException, this::closedException);
        if (first && !peerEnded.get() && !released.get()) {
            outbox.refuse(this::closedException, GOODBYE);
            try {
                outbox.awaitFlushed(Deadline.after(options().writeTimeout()));
            } catch (PipeException e) {
                log.debug("pipe '{}' closed before everything written reached the peer: {}", name(), e.getMessage());
            }
        }
        release();
        joinIoThreads();
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
        List<Frame> frames = new ArrayList<>();
        try {
            while (!handshake.isComplete()) {
                if (input.read(buffer) < 0) {
                    handshake.endOfStream();
                    throw new PeerClosedException("pipe '" + name() + "': " + peer + " went away during the handshake");
                }
                buffer.flip();
                try {
                    handshake.consume(buffer);
                } finally {
                    sendHandshakeOutput();
                }
                buffer.compact();
            }
            lastReceivedNanos = System.nanoTime();
            handshakeDone.complete(null);
            buffer.flip();
            decode(buffer, frames);
            buffer.clear();
            while (!inputEnded) {
                if (input.read(buffer) < 0) {
                    endOfStream();
                    break;
                }
                lastReceivedNanos = System.nanoTime();
                buffer.flip();
                decode(buffer, frames);
                buffer.clear();
            }
        } catch (PipeException e) {
            readerFailed(e);
        } catch (ClosedChannelException e) {
            readerFailed(new PeerClosedException("pipe '" + name() + "' was closed while reading", e));
        } catch (IOException e) {
            readerFailed(new PeerClosedException("pipe '" + name() + "': reading from " + peer + " failed: " + e.getMessage(), e));
        } catch (InterruptedException e) {
            readerFailed(new PipeClosedException("pipe '" + name() + "': reader interrupted"));
        } finally {
            ioThreadDone();
        }
    }

    private void decode(ByteBuffer buffer, List<Frame> frames) throws InterruptedException {
        PipeException failure = null;
        try {
            decoder.decode(buffer, frames);
        } catch (PipeException e) {
            failure = e;
        }
        boolean midFrame = decoder.isMidFrame();
        if (!midFrame) {
            midFrameSinceNanos = 0;
        } else if (midFrameSinceNanos == 0 || !frames.isEmpty()) {
            midFrameSinceNanos = System.nanoTime();
        }
        for (Frame frame : frames) {
            deliver(frame);
        }
        frames.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private void deliver(Frame frame) throws InterruptedException {
        if (frame instanceof Frame.Data data) {
            readerBlocked = true;
            try {
                inbound().offer(data.message(), Long.MAX_VALUE);
            } finally {
                readerBlocked = false;
                lastReceivedNanos = System.nanoTime();
            }
        } else if (frame instanceof Frame.Disconnect disconnect) {
            peerWentAway(() -> new PeerDisconnectedException("pipe '" + name() + "': " + peer + " disconnected"
                    + (disconnect.reason().isEmpty() ? "" : ": " + disconnect.reason()), disconnect.reason()));
        } else if (frame instanceof Frame.Goodbye) {
            if (stopSent.get() && !disconnecting) {
                // The answer to our STOP: the peer has sent everything, and still reads what we write.
                inputEnded = true;
                inbound().finish(() -> new PeerClosedException("pipe '" + name() + "': " + peer
                        + " has sent everything (this end stopped receiving)"), this::closedException);
                return;
            }
            peerWentAway(() -> new PeerClosedException("pipe '" + name() + "': " + peer + " closed"));
        } else if (frame instanceof Frame.Stop) {
            // The peer wants nothing more from us: what is queued still leaves, then our goodbye; we go on reading.
            outbox.refuse(() -> new PeerClosedException("pipe '" + name() + "': " + peer
                    + " stopped receiving; nothing more can be written"), GOODBYE);
        }
    }

    /** The peer said goodbye or disconnected: answer with our goodbye after what is queued, and end. */
    private void peerWentAway(java.util.function.Supplier<? extends PipeException> ending) {
        inputEnded = true;
        if (!peerEnded.compareAndSet(false, true)) {
            return;
        }
        if (disconnecting) {
            String message = "pipe '" + name() + "' was disconnected";
            inbound().finish(() -> new PipeClosedException(message), () -> new PipeClosedException(message));
            release();
            return;
        }
        // Writes are refused before readers hear of it: a write after a read saw the end must fail, not vanish.
        outbox.refuse(ending, GOODBYE);
        inbound().finish(ending, ending);
    }

    private void endOfStream() {
        decoder.endOfStream();
        if (disconnecting) {
            peerWentAway(() -> new PipeClosedException("pipe '" + name() + "' was disconnected"));
            return;
        }
        throw new PeerClosedException("pipe '" + name() + "': " + peer + " closed without saying goodbye (it exited or was killed)");
    }

    private void readerFailed(PipeException failure) {
        if (!handshakeDone.isDone()) {
            handshakeDone.completeExceptionally(failure);
            return;
        }
        failed(failure);
    }

    private void writeLoop() {
        try {
            while (outbox.awaitWork()) {
                outbox.flushTo(output, true);
            }
            if (!released.get() && outbox.isFinished()) {
                // Everything, goodbye included, is out: the peer sees the end of the stream.
                output.close();
            }
        } catch (IOException e) {
            writeFailed(e);
        } catch (InterruptedException e) {
            failed(new PipeClosedException("pipe '" + name() + "': writer interrupted"));
        } finally {
            ioThreadDone();
        }
    }

    private void writeFailed(IOException e) {
        if (!released.get()) {
            // Writes fail from now on; the reader still delivers what the peer sent and reports how its stream ended.
            outbox.abort(new SharedFailure(new PeerClosedException("pipe '" + name() + "': " + peer
                    + " stopped reading (" + e.getMessage() + "); nothing more can be written", e)));
        }
    }

    /** Periodic, on the watchdog's thread: heartbeats, a silent peer, a stalled frame. */
    private void check() {
        if (released.get() || peerEnded.get() || inputEnded) {
            return;
        }
        long now = System.nanoTime();
        if (heartbeats) {
            long interval = options().heartbeat().toNanos();
            if (now - outbox.lastEnqueueNanos() >= interval && !outbox.isRefused()) {
                outbox.enqueueControl(HEARTBEAT);
            }
            if (!readerBlocked && now - lastReceivedNanos > 3 * interval) {
                failed(new PeerClosedException("pipe '" + name() + "': " + peer + " sent nothing, not even a heartbeat, for "
                        + options().heartbeat().multipliedBy(3) + "; it is frozen or gone"));
                return;
            }
        }
        long since = midFrameSinceNanos;
        if (since != 0 && !readerBlocked && now - since > options().frameTimeout().toNanos()) {
            failed(new PeerClosedException("pipe '" + name() + "': " + peer + " stalled in the middle of a frame for "
                    + options().frameTimeout() + "; the pipe is closed"));
        }
    }

    /** The pipe cannot go on: readers drain then get the failure, writers get it now, resources go. */
    private void failed(PipeException failure) {
        if (released.get()) {
            return;
        }
        peerEnded.set(true);
        SharedFailure again = new SharedFailure(failure);
        log.debug("pipe '{}' failed: {}", name(), failure.getMessage());
        outbox.abort(again);
        inbound().finish(again, again);
        release();
    }

    private void sendHandshakeOutput() {
        if (!handshake.hasOutput()) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate(4096);
        while (handshake.hasOutput()) {
            out.clear();
            handshake.produce(out);
            out.flip();
            outbox.enqueueRaw(out);
        }
    }

    private void ioThreadDone() {
        if (ioThreads.decrementAndGet() == 0 && peerEnded.get()) {
            release();
        }
    }

    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        cancel(watch);
        cancel(disconnectDeadline);
        outbox.abort(this::closedException);
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

    private static void cancel(@Nullable ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }
}
