package io.pipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;

import io.pipc.AuthenticationException;
import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.PeerClosedException;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.transport.FramedPipe;
import io.pipc.transport.Deadline;
import io.pipc.transport.Outbox;
import io.pipc.transport.SharedThreads;
import io.pipc.wire.Frame;
import io.pipc.wire.FrameDecoder;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection over a Unix domain or TCP socket, served by an {@link EventLoop}.
 *
 * <p>Writes: a writing thread queues its frame in the {@link Outbox} and, when no one else is
 * flushing and the socket has room, hands everything queued to the socket itself, with no
 * thread hop and no selector wake-up. Only when the socket is full does it ask the loop to
 * finish the job once the socket becomes writable; meanwhile later writers queue behind, and
 * leave together.
 *
 * <p>Reads, on the loop: bytes run through the handshake, then the decoder, into the inbound
 * queue. When the queue is full, the loop stops reading this socket; the kernel's buffers fill
 * and the peer's writes block. Reading resumes when the application has drained half the queue.
 * A server's client also stops reading while the server's {@link InboundBudget} is spent, unless
 * the application has accepted the pipe and read everything queued (it waits for this client);
 * it resumes when the budget is down to half, or when that becomes true.
 *
 * <p>Deadlines, on the loop's tick: the handshake, heartbeats, a silent peer, a stalled frame,
 * the linger after an orderly close.
 *
 * <p>The loop owns the connection: its {@linkplain FramedPipe.Lifecycle state}, the decoder,
 * the read side's pauses and the half-closes change only there (asserted), and the application's
 * close, disconnect and stop reach it as commands. Writes and reads of messages are the
 * exception: the outbox and the inbound queue are safe from any thread.
 */
public final class SocketPipe extends FramedPipe implements EventLoop.Handler {

    private static final Logger log = LoggerFactory.getLogger(SocketPipe.class);

    private static final long OUTBOX_CAPACITY = 1024 * 1024;
    private static final Duration MAX_LINGER = Duration.ofSeconds(5);
    /**
     * The most one read takes in during a handshake while the server's budget is spent: a
     * handshake message is at most 256 bytes (docs/protocol.md), so it goes on, and what such a
     * read brings in past the handshake is little.
     */
    private static final int HANDSHAKE_READ = 512;

    /** Told about the connection's life; a server counts its clients with it. */
    interface Listener {
        /**
         * @param pipe the pipe, ready for the application
         */
        default void established(SocketPipe pipe) {
        }

        /**
         * @param pipe the pipe, whose socket is now closed
         */
        default void released(SocketPipe pipe) {
        }
    }

    private final SharedThreads.Lease<EventLoopGroup> loops;
    /** The shared event loop that serves this pipe whenever no poller's thread reads it. */
    private final EventLoop home;
    /**
     * The pipe's owner: its home loop, or the driven loop of the {@link io.pipc.Poller} it is in.
     * Changed only by the owner, which hands the connection over (see {@link #settle()}).
     */
    private volatile EventLoop loop;
    /** The driven loop of the poller this pipe is in, or null; the owner moves the pipe after it. */
    private volatile @Nullable EventLoop polledBy;
    private static final AtomicReferenceFieldUpdater<SocketPipe, EventLoop> POLLED_BY =
            AtomicReferenceFieldUpdater.newUpdater(SocketPipe.class, EventLoop.class, "polledBy");
    /** Threads waiting in a blocking read now: while there are some, the pipe stays home. */
    private final AtomicInteger readersWaiting = new AtomicInteger();
    private final Conduit conduit;
    private final Listener listener;
    private final long handshakeDeadlineNanos;
    private final CompletableFuture<SocketPipe> established = new CompletableFuture<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    /** The server's budget this client's bytes count in, or null for a pipe that is no server's client. */
    private final @Nullable InboundBudget budget;
    /** Hands {@link #onBudgetWake()} to the loop; one object, so that registering twice registers once. */
    private final Runnable budgetWake;
    /** Where received messages go instead of the inbound queue, or null for the queue. */
    private final @Nullable MessageSink sink;
    /** Loop only: whether the sink heard of the end. */
    private boolean sinkEnded;
    /** Loop only: whether the sink heard attached; a pipe that never was established is not its to end. */
    private boolean sinkAttached;
    /** Whether the application has accepted this pipe from its server. */
    private volatile boolean handedOut;
    /** Why the handshake failed, for the caller waiting on {@link #established()}. */
    private volatile @Nullable PipeException handshakeFailure;

    // Loop thread only.
    private @Nullable SelectionKey key;
    /** What the key is interested in, kept also while there is no key, so that a move keeps it. */
    private int interestOps;
    /** Whether the socket was registered with a loop at all: only then can it move. */
    private boolean registered;
    private boolean readPaused;
    /** Not reading because the server's inbound budget is spent. */
    private boolean budgetPaused;
    /** What this pipe counts in the budget besides its queue: a partial message, frames waiting for room. */
    private long chargedOutsideQueue;
    /** Owner only: the room the read under way claimed in the budget and has not yet filled ({@link #charge}). */
    private int claimLeft;
    private boolean outputShut;
    private boolean inputEnded;
    private long lingerDeadlineNanos;
    private long lastReceivedNanos = System.nanoTime();
    private long midFrameSinceNanos;
    /** Written by the owner only: how often writers left their system call to it; for tests (one volatile write per such flush). */
    private volatile long flushesLeftToTheLoop;

    /** Owner only: the clock of the tick before, so that a tick knows how long nobody read since. */
    private long lastTickNanos;
    private @Nullable PipeException failureAfterBacklog;
    /** Decoded and not yet delivered: plain payloads, envelopes and control frames ({@link FrameDecoder#decodeEntries}). */
    private final List<Object> backlog = new ArrayList<>();
    private int backlogIndex;
    /** A run of messages for the sink, as envelopes. */
    private final List<Envelope> run = new ArrayList<>();

    private SocketPipe(String name, Transport transport, PipeOptions options, Role role, Conduit conduit,
            boolean connecting, String peer, Listener listener, Deadline handshakeDeadline, byte[] exchangedBefore,
            @Nullable InboundBudget budget) {
        super(name, transport, options, role, peer, OUTBOX_CAPACITY,
                ConnectionBinding.of(() -> SocketEnds.of(conduit.socket()), exchangedBefore),
                connecting ? Lifecycle.CONNECTING : Lifecycle.SECURING);
        this.loops = EventLoopGroup.acquire(options.threadFactory());
        this.home = EventLoopGroup.nextOf(loops);
        this.loop = home;
        this.interestOps = connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_READ;
        this.conduit = conduit;
        this.listener = listener;
        long remaining = handshakeDeadline.remainingNanos();
        this.handshakeDeadlineNanos = System.nanoTime() + Math.min(remaining, Long.MAX_VALUE / 4);
        this.budget = budget;
        this.budgetWake = () -> toOwner(this::onBudgetWake);
        this.sink = options.messageSink();
        if (sink == null) {
            inbound().onRoom(() -> toOwner(this::resumeReading));
            if (conduit instanceof PlainConduit) {
                inbound().readiness().whenAwaited(this::readerWaits);
            }
        }
        if (budget != null) {
            inbound().accountBytesTo(this::charge);
        }
    }

    /**
     * Starts serving a socket: the pipe runs its handshake on an event loop.
     *
     * @param name the pipe's name
     * @param transport UNIX or TCP
     * @param options limits, timeouts, wire, secret
     * @param role ACCEPTOR for a server's side, CONNECTOR for a client's
     * @param conduit the socket, non-blocking, plain or TLS
     * @param connecting whether the socket's connect is still pending
     * @param peer describes the other end in errors, e.g. {@code peer 127.0.0.1:53012}
     * @param listener told when the pipe is established and when it is released
     * @param handshakeDeadline when the handshake must be complete
     * @param exchangedBefore what both sides sent before the pipc handshake, the acceptor's part first, or empty
     * @return the pipe; {@link #established()} completes when the handshake does
     */
    static SocketPipe start(String name, Transport transport, PipeOptions options, Role role, Conduit conduit,
            boolean connecting, String peer, Listener listener, Deadline handshakeDeadline, byte[] exchangedBefore) {
        SocketPipe pipe = new SocketPipe(name, transport, options, role, conduit, connecting, peer, listener,
                handshakeDeadline, exchangedBefore, null);
        pipe.begin();
        return pipe;
    }

    /**
     * Like {@link #start} without starting, for a server's client: nothing is read or written
     * until {@link #begin()}, so that the server can keep track of the pipe before anything can
     * happen to it; its bytes count in the server's budget.
     *
     * @param budget the server's inbound budget
     * @see #start
     */
    static SocketPipe create(String name, Transport transport, PipeOptions options, Role role, Conduit conduit,
            boolean connecting, String peer, Listener listener, Deadline handshakeDeadline, InboundBudget budget) {
        return new SocketPipe(name, transport, options, role, conduit, connecting, peer, listener, handshakeDeadline,
                new byte[0], budget);
    }

    /** Registers the socket with its event loop: the handshake begins. */
    void begin() {
        toOwner(this::register);
    }

    /**
     * @return completes with this pipe when the handshake succeeded, or exceptionally with its
     *         failure (the connection is then closed)
     */
    public CompletableFuture<SocketPipe> established() {
        return established;
    }

    /**
     * @return whether the server handed this pipe to the application
     */
    boolean isHandedOut() {
        return handedOut;
    }

    /**
     * For the error of a caller that stopped waiting for {@link #established()}: asks the loop,
     * which owns the connection, where it stood.
     *
     * @return {@code "; "} and where the connection stood, or empty when the loop does not answer at once
     */
    public String whereTheHandshakeStalled() {
        CompletableFuture<String> where = new CompletableFuture<>();
        toOwner(() -> where.complete(state() == Lifecycle.CONNECTING || state() == Lifecycle.SECURING
                ? "; the connection itself was not made"
                : handshake().isComplete() ? "" : handshake().stalled()));
        try {
            return where.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | TimeoutException e) {
            return "";
        }
    }

    /**
     * The server handed this pipe to the application: from now on, reading everything queued
     * means the application waits for this client, who is then read even when the server's
     * budget is spent.
     */
    void handOut() {
        handedOut = true;
        if (budget != null) {
            toOwner(this::onBudgetWake);
        }
    }

    // ---- application side -------------------------------------------------------------

    @Override
    public void write(Envelope message) {
        Objects.requireNonNull(message, "message");
        send(message.payload(), message);
    }

    /** A message without headers: an envelope is made only if it waits in the outbox. */
    @Override
    public void write(byte[] message) {
        Objects.requireNonNull(message, "message");
        send(message, null);
    }

    /** @param message the payload's envelope, or null for a payload without headers */
    private void send(byte[] payload, @Nullable Envelope message) {
        ensureOpen();
        checkSize(payload);
        boolean direct = outbox().copies(payload, message) && takeDirectWrite();
        if (direct && writeNow(payload, message)) {
            return;
        }
        // Only a write that may wait for room has a deadline: one written at once reads no clock.
        Deadline deadline = Deadline.after(options().writeTimeout());
        Outbox.Ticket ticket = outbox().enqueue(message == null ? Envelope.of(payload) : message, deadline);
        // A large payload leaves from its own array while its writer waits anyway: no reason to hop.
        if (ticket != null || direct) {
            flushNow();
        } else {
            flushSoon();
        }
        if (ticket != null) {
            outbox().awaitWritten(ticket, deadline, () -> toOwner(() -> fail(new PipeTimeoutException("pipe '" + name()
                    + "': " + peer() + " stopped reading in the middle of a message for the whole write timeout"))));
        }
    }

    @Override
    public void flush() {
        ensureOpen();
        flushNow();
        outbox().awaitFlushed(Deadline.after(options().writeTimeout()));
    }

    @Override
    protected void awaitPeerAfterDisconnect() {
        startLinger(options().writeTimeout());
    }

    @Override
    protected boolean inOwner() {
        return loop.inEventLoop();
    }

    @Override
    protected void toOwner(Runnable command) {
        EventLoop owner = loop;
        owner.execute(followingTheOwner(owner, command));
    }

    /**
     * @return {@code command}, run by {@code owner} if it still owns this pipe when it runs, else
     *         handed to the owner then: the pipe moved to or from a poller meanwhile
     */
    private Runnable followingTheOwner(EventLoop owner, Runnable command) {
        return () -> {
            if (loop == owner) {
                command.run();
            } else {
                toOwner(command);
            }
        };
    }

    @Override
    protected void flushQueued() {
        flushNow();
    }

    @Override
    public void close() {
        boolean first = markClosed();
        inbound().close(this::closedException, this::closedException);
        if (!established.isDone() || isReleased()) {
            toOwner(this::release);
            return;
        }
        if (first && !peerEnded()) {
            outbox().refuse(this::closedException, GOODBYE);
            flushNow();
            try {
                outbox().awaitFlushed(Deadline.after(options().writeTimeout()));
            } catch (PipeException e) {
                log.debug("pipe '{}' closed before everything written reached {}: {}", name(), peer(), e.getMessage());
                toOwner(this::release);
                return;
            }
        }
        toOwner(() -> startLinger(MAX_LINGER.compareTo(options().writeTimeout()) < 0 ? MAX_LINGER : options().writeTimeout()));
    }

    /**
     * Closes like {@link #close()} (what is queued still leaves, then a goodbye) without waiting:
     * the event loop finishes the job, within the write timeout. For servers and the TCP rendezvous, which must not
     * block a loop or wait on one client after another.
     */
    public void closeWithoutWaiting() {
        boolean first = markClosed();
        inbound().close(this::closedException, this::closedException);
        if (!established.isDone() || isReleased()) {
            toOwner(this::release);
            return;
        }
        if (first && !peerEnded()) {
            outbox().refuse(this::closedException, GOODBYE);
            flushNow();
        }
        toOwner(() -> startLinger(options().writeTimeout()));
    }

    /**
     * A writer that wrote before without reading leaves the system call to the loop, once for
     * everything written until the loop runs; when the loop has flushed it all, the next write
     * may go directly again.
     */
    private void flushSoon() {
        if (flushScheduled.compareAndSet(false, true)) {
            toOwner(() -> {
                flushesLeftToTheLoop++;
                flushScheduled.set(false);
                if (flushNow() == Outbox.FlushResult.DONE) {
                    allowDirectWrite();
                }
            });
        }
    }

    /**
     * Writes a message straight to the socket from the calling thread when nothing is queued
     * before it, with no queue in between.
     *
     * @return whether it was written (or the socket failed, which closes the pipe); false when
     *         it must be queued
     */
    private boolean writeNow(byte[] payload, @Nullable Envelope message) {
        try {
            Outbox.FlushResult result = outbox().writeNow(payload, message, conduit);
            if (result == null) {
                return false;
            }
            afterFlush(result);
        } catch (IOException e) {
            toOwner(() -> fail(ioFailure("writing to", e)));
        }
        return true;
    }

    /**
     * Hands queued frames to the socket from the calling thread, if no one else is at it.
     *
     * @return what the flush did, or null when the socket failed
     */
    private Outbox.@Nullable FlushResult flushNow() {
        try {
            Outbox.FlushResult result = outbox().flushTo(conduit, false);
            afterFlush(result);
            return result;
        } catch (IOException e) {
            toOwner(() -> fail(ioFailure("writing to", e)));
            return null;
        }
    }

    private void afterFlush(Outbox.FlushResult result) {
        if (result == Outbox.FlushResult.STALLED || (result == Outbox.FlushResult.DONE && conduit.hasPendingOutput())) {
            toOwner(() -> interest(SelectionKey.OP_WRITE, true));
        } else if (result == Outbox.FlushResult.DONE && outbox().isFinished()) {
            toOwner(this::outputFinished);
        }
    }

    // ---- event loop side --------------------------------------------------------------

    private void register() {
        try {
            boolean connecting = state() == Lifecycle.CONNECTING;
            try {
                key = loop.register(conduit.socket(), interestOps, this);
            } catch (CancelledKeyException e) {
                // The socket's key of a rendezvous on this loop is cancelled and goes at its next select: register after it.
                executeLater(this::register);
                return;
            }
            registered = true;
            if (!connecting) {
                progressLayer();
            }
            // Added to a poller before it was registered at all.
            settleSoon();
        } catch (IOException | PipeException e) {
            fail(e instanceof PipeException p ? p : ioFailure("registering", (IOException) e));
        }
    }

    @Override
    public void ready(SelectionKey readyKey) {
        guarded(() -> onReady(readyKey));
    }

    /** Something the loop does for this connection that may fail it. */
    @FunctionalInterface
    private interface LoopAction {
        void run() throws IOException;
    }

    private void guarded(LoopAction action) {
        try {
            action.run();
        } catch (CancelledKeyException e) {
            // released meanwhile
        } catch (PipeException e) {
            fail(e);
        } catch (IOException e) {
            fail(ioFailure(state() == Lifecycle.CONNECTING ? "connecting to" : "reading from", e));
        }
    }

    private void onReady(SelectionKey readyKey) throws IOException {
        if (readyKey.isConnectable()) {
            if (conduit.socket().finishConnect()) {
                moveTo(Lifecycle.SECURING);
                interestOps = SelectionKey.OP_READ;
                readyKey.interestOps(interestOps);
                progressLayer();
            }
            return;
        }
        if (state() == Lifecycle.SECURING) {
            progressLayer();
            if (state() == Lifecycle.SECURING) {
                return;
            }
        }
        if (readyKey.isValid() && readyKey.isWritable()) {
            onWritable();
        }
        if (readyKey.isValid() && readyKey.isReadable()) {
            onReadable();
        }
    }

    /** A layer (TLS) still holds bytes the socket will not signal again: read them soon. */
    private void readBufferedLater() {
        if (!readPaused && !budgetPaused && !isReleased() && conduit.hasBufferedInput()) {
            executeLater(() -> guarded(() -> {
                if (!readPaused && !budgetPaused && !isReleased() && !inputEnded && conduit.hasBufferedInput()) {
                    onReadable();
                }
            }));
        }
    }

    /** Drives the conduit's own handshake (TLS), then starts the pipc handshake(). */
    private void progressLayer() throws IOException {
        assert loop.inEventLoop();
        if (state() != Lifecycle.SECURING) {
            return;
        }
        boolean layerReady = conduit.handshake();
        interest(SelectionKey.OP_WRITE, !layerReady && conduit.handshakeWantsWrite());
        if (layerReady) {
            moveTo(Lifecycle.HANDSHAKING);
            sendHandshakeOutput();
            if (handshake().isComplete()) {
                onEstablished();
            }
            readBufferedLater();
        }
    }

    private void onReadable() throws IOException {
        try {
            readSome();
        } finally {
            if (conduit.hasPendingOutput()) {
                // The layer answered something itself (a TLS key update) and the socket was full.
                interest(SelectionKey.OP_WRITE, true);
            }
        }
        readBufferedLater();
    }

    private void readSome() throws IOException {
        assert loop.inEventLoop();
        ByteBuffer buffer = loop.readBuffer();
        for (int reads = 0; reads < 16 && !readPaused && !budgetPaused && !isReleased(); reads++) {
            InboundBudget b = budgetForThisRead();
            // Room the read claims in the server's budget: what it brings in is counted from the claim
            // (charge), and the rest let go once it is counted where it went.
            // A handshake goes on while the budget is spent, a few bytes at a time.
            int claimed = b == null ? 0 : b.reserve(buffer.capacity());
            claimLeft = claimed;
            int allowed = b == null ? buffer.capacity()
                    : claimed > 0 ? claimed
                    : handshake().isComplete() ? 0 : HANDSHAKE_READ;
            if (allowed == 0) {
                pauseForBudget();
                return;
            }
            int n;
            try {
                buffer.clear().limit(allowed);
                n = conduit.read(buffer);
                if (n < 0) {
                    onEndOfStream();
                    return;
                }
                if (n == 0) {
                    return;
                }
                lastReceivedNanos = System.nanoTime();
                buffer.flip();
                if (!handshake().isComplete()) {
                    try {
                        handshake().consume(buffer);
                    } finally {
                        sendHandshakeOutput();
                    }
                    if (!handshake().isComplete()) {
                        continue;
                    }
                    onEstablished();
                }
                decodeAndDeliver(buffer);
            } finally {
                if (b != null && claimLeft > 0) {
                    b.add(-claimLeft);
                }
                claimLeft = 0;
            }
            if (n < allowed) {
                // The socket had less than was asked: it is drained, and another read would only say so (EAGAIN).
                // More bytes make the channel ready again; bytes a layer holds back are read by readBufferedLater.
                return;
            }
        }
    }

    private void decodeAndDeliver(ByteBuffer buffer) {
        PipeException failure = null;
        int before = backlog.size();
        try {
            // Straight onto the backlog, after the frames still waiting for room: no copy per read.
            decoder().decodeEntries(buffer, backlog);
        } catch (PipeException e) {
            failure = e;
        }
        midFrameSinceNanos = midFrameClock(midFrameSinceNanos, backlog.size() > before);
        boolean delivered = deliverBacklog();
        chargeOutsideQueue();
        if (delivered) {
            if (failure != null) {
                throw failure;
            }
        } else if (failure != null) {
            // Frames before the failure are whole: deliver them first, then fail.
            failureAfterBacklog = failure;
        }
    }

    /** @return whether the whole backlog went into the inbound queue (else reading is paused) */
    private boolean deliverBacklog() {
        while (backlogIndex < backlog.size()) {
            if (backlog.get(backlogIndex) instanceof Frame frame) {
                backlogIndex++;
                onControl(frame);
                continue;
            }
            backlogIndex = deliverFrom(backlogIndex);
            if (backlogIndex < backlog.size() && !(backlog.get(backlogIndex) instanceof Frame)) {
                // A message was left: no room for it.
                pauseReading();
                return false;
            }
        }
        backlog.clear();
        backlogIndex = 0;
        return true;
    }

    /**
     * Delivers the run of messages in the backlog from {@code from} up to the next control frame.
     *
     * @return the backlog's index after the last message that went into the queue or the sink (or was dropped)
     */
    private int deliverFrom(int from) {
        if (sink == null) {
            return inbound().offerEntries(backlog, from);
        }
        int end = from;
        while (end < backlog.size() && !(backlog.get(end) instanceof Frame)) {
            end++;
        }
        if (!isOpen() && !disconnecting()) {
            return end; // closed: nobody wants them any more
        }
        run.clear();
        for (int i = from; i < end; i++) {
            run.add(FrameDecoder.envelopeOf(backlog.get(i)));
        }
        // Handed to the application as a read() hands them: the write that answers them may leave
        // directly. Before the offer, since the sink's threads may answer before it returns.
        messagesRead();
        int taken;
        try {
            taken = sink.offer(this, run);
        } catch (RuntimeException e) {
            throw new PipeException("pipe '" + name() + "': its message sink failed: " + e, e);
        }
        if (taken < 0 || taken > run.size()) {
            throw new PipeException("pipe '" + name() + "': its message sink took " + taken + " of " + run.size()
                    + " messages; MessageSink.offer must return 0 to the batch's size");
        }
        return from + taken;
    }

    @Override
    protected void inboundEnded(Supplier<? extends PipeException> ending) {
        if (sink == null || !sinkAttached || sinkEnded) {
            return;
        }
        sinkEnded = true;
        try {
            sink.ended(this, ending.get());
        } catch (RuntimeException e) {
            log.warn("pipe '{}': its message sink failed when told of the end", name(), e);
        }
    }

    private void pauseReading() {
        if (!readPaused) {
            readPaused = true;
            interest(SelectionKey.OP_READ, false);
        }
    }

    private void resumeReading() {
        assert loop.inEventLoop();
        if (!readPaused || isReleased()) {
            return;
        }
        boolean delivered = deliverBacklog();
        chargeOutsideQueue();
        if (!delivered) {
            return;
        }
        readPaused = false;
        PipeException failure = failureAfterBacklog;
        if (failure != null) {
            fail(failure);
            return;
        }
        readAgain();
    }

    /** Reading was paused, for one reason or another, and is not any more. */
    private void readAgain() {
        if (readPaused || budgetPaused) {
            return;
        }
        // The silence while paused was this end's, not the peer's.
        silenceWasOurs(System.nanoTime());
        interest(SelectionKey.OP_READ, true);
        readBufferedLater();
    }

    private static long notLaterThan(long nanos, long now) {
        return nanos - now > 0 ? now : nanos;
    }

    /** Nobody read until {@code now}: the peer's silence and a frame's stall are counted from here. */
    private void silenceWasOurs(long now) {
        lastReceivedNanos = now;
        if (midFrameSinceNanos != 0) {
            midFrameSinceNanos = now;
        }
    }

    // ---- the server's inbound budget (loop only) ------------------------------------------

    /** @return whether this pipe may read more now, as far as the server's budget goes */
    private boolean withinBudget() {
        InboundBudget b = budget;
        return b == null || !b.isSpent() || readsWhateverTheBudget();
    }

    /**
     * @return whether this pipe reads although the budget is spent: the application has
     *         accepted it and read all it queued (it waits for this pipe), or it is closed (not
     *         disconnecting, which still delivers) and drops what it reads, so that nothing is held
     */
    private boolean readsWhateverTheBudget() {
        return (handedOut && inbound().size() == 0) || (!isOpen() && !disconnecting());
    }

    /**
     * @return the budget the next read claims its room in first, so that loops reading at the
     *         same time cannot together pass the limit; null for a pipe that is no server's
     *         client, or that {@linkplain #readsWhateverTheBudget reads whatever the budget}
     */
    private @Nullable InboundBudget budgetForThisRead() {
        InboundBudget b = budget;
        return b == null || readsWhateverTheBudget() ? null : b;
    }

    private void pauseForBudget() {
        budgetPaused = true;
        interest(SelectionKey.OP_READ, false);
        awaitBudget();
    }

    /** Registers for every event that may let this pipe read again, then looks once more: none is missed. */
    private void awaitBudget() {
        InboundBudget b = budget;
        if (b == null) {
            return;
        }
        b.await(budgetWake);
        if (handedOut) {
            inbound().notifyWhenEmptied(budgetWake);
        }
        if (withinBudget()) {
            onBudgetWake();
        }
    }

    private void onBudgetWake() {
        if (!budgetPaused || isReleased()) {
            return;
        }
        if (!withinBudget()) {
            awaitBudget();
            return;
        }
        budgetPaused = false;
        if (budget != null) {
            budget.forget(budgetWake);
        }
        readAgain();
    }

    /** Brings this pipe's share of the budget outside its queue up to date: a partial message, frames waiting for room. */
    private void chargeOutsideQueue() {
        InboundBudget b = budget;
        if (b == null) {
            return;
        }
        long now = decoder().partialCapacity();
        for (int i = backlogIndex; i < backlog.size(); i++) {
            Object entry = backlog.get(i);
            if (!(entry instanceof Frame)) {
                now += FrameDecoder.payloadOf(entry).length;
            }
        }
        if (now != chargedOutsideQueue) {
            charge(now - chargedOutsideQueue);
            chargedOutsideQueue = now;
        }
    }

    /**
     * Counts bytes into (positive) or out of (negative) the server's budget. Bytes a read
     * brings in are taken from the room it claimed first, so that they are never counted twice,
     * once as the claim and once where they went, while the read is under way: the budget then
     * says what is held. Only the owner, which reads, counts bytes in; readers count them out.
     */
    private void charge(long bytes) {
        InboundBudget b = budget;
        if (b == null) {
            return;
        }
        long rest = bytes;
        if (bytes > 0 && claimLeft > 0) {
            int fromClaim = (int) Math.min(bytes, claimLeft);
            claimLeft -= fromClaim;
            rest -= fromClaim;
        }
        if (rest != 0) {
            b.add(rest);
        }
    }

    private void onEndOfStream() {
        inputEnded = true;
        interest(SelectionKey.OP_READ, false);
        if (!handshake().isComplete()) {
            try {
                handshake().endOfStream();
            } catch (PeerClosedException e) {
                if (options().hasSecret() && (options().wire() == Wire.PYTHON || handshake().peerRequiresAuthentication())) {
                    // Cut off in the middle of proving the secret: whatever the reason, the peer is not authenticated.
                    throw new AuthenticationException(e.getMessage() + "; " + peer() + " is not authenticated", e);
                }
                throw e;
            }
            throw new PeerClosedException("pipe '" + name() + "': " + peer() + " closed the connection during the handshake");
        }
        decoder().endOfStream();
        if (disconnecting()) {
            peerWentAway(() -> new PipeClosedException("pipe '" + name() + "' was disconnected"));
            return;
        }
        if (peerEnded() || !isOpen() || state() == Lifecycle.PEER_FINISHED) {
            maybeRelease();
            return;
        }
        throw new PeerClosedException("pipe '" + name() + "': " + peer()
                + " closed the connection without saying goodbye (it exited, crashed or was killed)");
    }

    private void onWritable() throws IOException {
        assert loop.inEventLoop();
        if (conduit.hasPendingOutput() && !conduit.flushPendingOutput()) {
            return;
        }
        if (outputShut) {
            interest(SelectionKey.OP_WRITE, false);
            maybeRelease();
            return;
        }
        Outbox.FlushResult result = outbox().flushTo(conduit, true);
        if (result == Outbox.FlushResult.STALLED || conduit.hasPendingOutput()) {
            return;
        }
        interest(SelectionKey.OP_WRITE, false);
        if (result == Outbox.FlushResult.DONE && outbox().isFinished()) {
            outputFinished();
        }
    }

    /** Everything this end will ever send has been sent: end the output (TCP FIN). */
    private void outputFinished() {
        assert loop.inEventLoop();
        if (outputShut || isReleased()) {
            return;
        }
        outputShut = true;
        try {
            conduit.shutdownOutput();
            if (conduit.hasPendingOutput()) {
                // A TLS close_notify waits for room; the FIN follows it.
                interest(SelectionKey.OP_WRITE, true);
                return;
            }
        } catch (IOException e) {
            log.debug("pipe '{}': ending output to {} failed: {}", name(), peer(), e.getMessage());
        }
        maybeRelease();
    }

    /** After this end closed or disconnected: keep reading (and dropping) until the peer's end, within a bound. */
    private void startLinger(Duration bound) {
        assert loop.inEventLoop();
        if (isReleased()) {
            return;
        }
        if (!disconnecting()) {
            moveTo(Lifecycle.CLOSING);
            inboundEnded(this::closedException);
        }
        lingerDeadlineNanos = System.nanoTime() + Deadline.toNanos(bound);
        if (outbox().isFinished()) {
            outputFinished();
        }
        if (readPaused && !isOpen() && !disconnecting()) {
            if (failureAfterBacklog != null) {
                // The stream broke behind the queued frames: there is nothing left to drain, and the decoder is spent.
                release();
                return;
            }
            // Nobody will read what is queued: drop the backlog so the socket drains.
            backlog.clear();
            backlogIndex = 0;
            readPaused = false;
            chargeOutsideQueue();
            interest(SelectionKey.OP_READ, !budgetPaused);
        }
        // What arrives after a close is dropped, not held: the server's budget no longer holds this pipe back.
        onBudgetWake();
        settleSoon();
    }

    private void maybeRelease() {
        if (inputEnded && (outputShut || outbox().isFinished()) && !conduit.hasPendingOutput()) {
            release();
        }
    }

    @Override
    public void tick(long now) {
        EventLoop owner = loop;
        if (owner == home) {
            tickOwned(now, false);
            return;
        }
        // In a poller, and still ticked by its event loop: by the polling thread while one polls, else at once.
        owner.execute(() -> {
            if (loop == owner) {
                tickOwned(now, !owner.isBeingDriven());
            }
        });
    }

    /**
     * @param notRead whether nobody reads the socket now (a poller's pipe while no thread polls):
     *        the silence is then this end's
     */
    private void tickOwned(long now, boolean notRead) {
        assert loop.inEventLoop();
        if (isReleased()) {
            return;
        }
        long previousTick = lastTickNanos;
        lastTickNanos = now;
        if (!established.isDone()) {
            if (now - handshakeDeadlineNanos > 0) {
                fail(handshakeTimedOut());
            }
            return;
        }
        if (lingerDeadlineNanos != 0) {
            if (now - lingerDeadlineNanos > 0) {
                if (disconnecting()) {
                    endDisconnected(" (" + peer() + " did not answer)");
                } else {
                    release();
                }
            }
            return;
        }
        if (notRead && previousTick != 0) {
            // The peer's clocks stand still for the time nobody read (nobody polled) since the tick before: its
            // silence and a frame's stall count the time it was read, so a peer that is really gone is found out.
            long readUntil = loop.lastDriveEnded();
            long unread = now - (readUntil != 0 && readUntil - previousTick > 0 ? readUntil : previousTick);
            if (unread > 0) {
                lastReceivedNanos = notLaterThan(lastReceivedNanos + unread, now);
                if (midFrameSinceNanos != 0) {
                    midFrameSinceNanos = notLaterThan(midFrameSinceNanos + unread, now);
                }
            }
        }
        checkLiveness(now, lastReceivedNanos, midFrameSinceNanos, readPaused || budgetPaused || notRead);
    }

    private void onEstablished() {
        assert loop.inEventLoop();
        moveTo(Lifecycle.OPEN);
        lastReceivedNanos = System.nanoTime();
        if (sink != null) {
            sinkAttached = true;
            sink.attached(this, () -> toOwner(this::resumeReading));
        }
        if (established.complete(this)) {
            log.debug("pipe '{}' connected to {}", name(), peer());
            listener.established(this);
        }
    }

    /** On the loop: the connection cannot go on. */
    private void fail(PipeException failure) {
        if (isReleased()) {
            return;
        }
        if (!established.isDone()) {
            // Released before the waiting caller wakes: its close() must find nothing to say goodbye on.
            handshakeFailure = failure;
            release();
            return;
        }
        failEstablished(failure);
    }

    @Override
    protected void releaseResources() {
        if (!established.isDone()) {
            PipeException failure = handshakeFailure;
            established.completeExceptionally(failure != null ? failure
                    : new PipeClosedException("pipe '" + name() + "' was closed before its handshake completed"));
        }
        toOwner(() -> {
            home.execute(() -> home.forget(this));
            if (key != null) {
                loop.cancel(key);
                key = null;
            }
            try {
                conduit.close();
            } catch (IOException e) {
                log.debug("pipe '{}': closing the socket failed: {}", name(), e.getMessage());
            }
            inboundEnded(this::closedException);
            if (budget != null) {
                // What is queued stays counted until read or closed; the rest goes with the socket.
                budget.forget(budgetWake);
                budget.add(-chargedOutsideQueue);
                chargedOutsideQueue = 0;
            }
            listener.released(this);
            // Last: the loop may end with this, once nothing else holds it.
            loops.release();
        });
    }

    private void interest(int op, boolean on) {
        assert loop.inEventLoop();
        int wanted = on ? interestOps | op : interestOps & ~op;
        if (wanted == interestOps) {
            return;
        }
        interestOps = wanted;
        SelectionKey k = key;
        if (k != null && k.isValid()) {
            k.interestOps(wanted);
        }
        if (op == SelectionKey.OP_WRITE) {
            settleSoon();
        }
    }

    /** Like {@link EventLoop#executeLater} on the owner, which may change meanwhile. */
    private void executeLater(Runnable task) {
        EventLoop owner = loop;
        owner.executeLater(followingTheOwner(owner, task));
    }

    // ---- a poller's thread reading this pipe ----------------------------------------------

    /**
     * Lets the thread that polls {@code poller} read and write this connection itself: the
     * connection moves from its event loop to the poller's driven loop, which then owns it. A
     * TLS connection and one with a message sink stay on their event loop.
     *
     * <p>A pipe is read by one poller's thread at most: in a second poller at the same time, it
     * only tells that one when it is ready.
     *
     * @param poller the driven loop of the poller this pipe is added to
     * @return whether the poller's thread reads this pipe from now on; false for a pipe that stays
     *         with its event loop (TLS, a message sink, or in another poller already)
     * @throws IllegalArgumentException when {@code poller} is not a driven loop
     */
    public boolean joinPoller(EventLoop poller) {
        if (!poller.isDriven()) {
            throw new IllegalArgumentException("pipe '" + name() + "' joins a poller's driven loop, not " + poller);
        }
        if (sink != null || !(conduit instanceof PlainConduit) || !POLLED_BY.compareAndSet(this, null, poller)) {
            return false;
        }
        settleSoon();
        return true;
    }

    /**
     * @return how many times writers left the system call to the event loop (a write while the
     *         write before it had not been answered by a read or a batch handed to the sink); for tests
     */
    public long flushesLeftToTheLoop() {
        return flushesLeftToTheLoop;
    }

    /**
     * @param owner a loop
     * @return whether that loop owns this pipe now; for tests
     */
    public boolean isOwnedBy(EventLoop owner) {
        return loop == owner;
    }

    /**
     * The pipe is out of its poller: it goes back to its event loop.
     *
     * @param poller the driven loop it had joined
     */
    public void leavePoller(EventLoop poller) {
        if (POLLED_BY.compareAndSet(this, poller, null)) {
            settleSoon();
        }
    }

    /**
     * A thread waits in a blocking read: nobody might poll while it waits, so the pipe goes to
     * its event loop for as long as one waits, and back to its poller after the last.
     *
     * @param begins whether a wait begins (else it ends)
     */
    private void readerWaits(boolean begins) {
        int waiting = begins ? readersWaiting.incrementAndGet() : readersWaiting.decrementAndGet();
        if (polledBy != null && (waiting == 0 || (begins && waiting == 1))) {
            settleSoon();
        }
    }

    /**
     * Runs {@link #settle()} on the owner as a task of its own, after the operation under way;
     * when the pipe has moved meanwhile, the same again on the new owner, never inline.
     */
    private void settleSoon() {
        EventLoop owner = loop;
        owner.executeNext(() -> {
            if (loop == owner) {
                settle();
            } else {
                settleSoon();
            }
        });
    }

    /**
     * On the owner: moves the connection to the loop that should own it now. That is the
     * poller's while the pipe is in one and open, except while the socket is full (its writers
     * may be the polling thread itself, so the event loop, which is always there, waits for
     * room) and while a thread waits in a blocking read (nobody might poll meanwhile). A closed
     * pipe's last steps (the linger, the release) need no poll either. Runs as a task of its
     * own, never inside another operation of the owner, whose rest would run on the old one.
     */
    private void settle() {
        assert loop.inEventLoop();
        if (isReleased() || !registered) {
            return;
        }
        EventLoop poller = polledBy;
        EventLoop wanted = poller != null && isOpen() && (interestOps & SelectionKey.OP_WRITE) == 0
                && readersWaiting.get() == 0 ? poller : home;
        if (wanted == loop) {
            return;
        }
        // Its event loop keeps ticking it wherever it is, so that its deadlines and heartbeats hold while no one polls.
        if (key != null) {
            loop.cancel(key);
            key = null;
        }
        loop = wanted;
        // Straight to the new owner: anything handed over from now on queues behind this.
        wanted.execute(() -> registerMoved(wanted));
    }

    /** On the new owner: the connection moved here, and is watched as it was on the old one. */
    private void registerMoved(EventLoop target) {
        if (loop != target || isReleased() || key != null) {
            return;
        }
        try {
            key = target.watch(conduit.socket(), interestOps, this);
        } catch (CancelledKeyException e) {
            // Its key from an earlier stay here goes at the loop's next select: register after it.
            target.executeLater(() -> registerMoved(target));
        } catch (ClosedSelectorException e) {
            // The poller closed meanwhile; its close sends the pipe home right after this.
        } catch (IOException e) {
            fail(ioFailure("registering", e));
        }
    }

    private PipeException ioFailure(String what, IOException e) {
        if (e instanceof TlsFailure tls) {
            return tls.toPipeException(name(), peer());
        }
        if (state() == Lifecycle.CONNECTING || !established.isDone()) {
            return new PipeException("pipe '" + name() + "': cannot connect to " + peer() + ": " + e.getMessage()
                    + " (is the server running and reachable?)", e);
        }
        return new PeerClosedException("pipe '" + name() + "': " + what + " " + peer() + " failed: " + e.getMessage(), e);
    }
}
