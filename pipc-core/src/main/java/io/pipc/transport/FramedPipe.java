package io.pipc.transport;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.ProtocolException;
import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.Frame;
import io.pipc.wire.FrameDecoder;
import io.pipc.wire.Handshake;
import io.pipc.wire.Role;
import io.pipc.wire.WireFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipe that speaks a wire over a byte stream: its handshake, its frame decoder, its
 * {@link Outbox}, and what every control frame means, once for every stream engine. The
 * blocking engine ({@code StreamPipe}, for FIFOs and stdio) and the NIO engine
 * ({@code SocketPipe}, for Unix sockets and TCP) differ only in how bytes move; they supply
 * that through {@link #flushQueued()} and {@link #releaseResources()}.
 *
 * <p>The protocol, as {@code docs/protocol.md} states it: a goodbye ends the peer's sending and,
 * unless this end had asked the peer to stop, its reading too; a disconnect does the same with a
 * reason; a stop makes this end's later writes fail while it goes on reading. In every case
 * writes are refused before readers hear of the end, so that a write after a read saw the end
 * fails rather than vanishes.
 *
 * <p>A connection has one owner and one {@link Lifecycle} state. Only the owner changes the
 * state, which every method that does checks ({@link #inOwner()}, as an assertion); other
 * threads reach the owner through {@link #toOwner(Runnable)}: a close, a disconnect, a stop,
 * a failure. Data keeps its fast path: writers queue frames in the {@link Outbox} and the
 * application reads from the {@link InboundQueue}, both safe from any thread.
 */
public abstract class FramedPipe extends AbstractPipe {

    private static final Logger log = LoggerFactory.getLogger(FramedPipe.class);

    /** The last frame of an orderly close. */
    protected static final Outbox.ControlFrame GOODBYE = (encoder, out) -> encoder.encodeGoodbye(out);
    private static final Outbox.ControlFrame HEARTBEAT = (encoder, out) -> encoder.encodeHeartbeat(out);
    private static final Outbox.ControlFrame STOP = (encoder, out) -> encoder.encodeStop(out);
    /** Python-wire connections closed because neither end spoke: a flood of them must not flood the log. */
    private static final RefusalLog SILENT_PYTHON_PEERS = new RefusalLog(log, "the Python wire",
            count -> count + " more silent " + (count == 1 ? "connection" : "connections") + " closed");

    private final String peer;
    private final Handshake handshake;
    private final FrameDecoder decoder;
    private final Outbox outbox;
    private final boolean heartbeats;
    /** Written by the owner only; read anywhere. */
    private volatile Lifecycle state;
    /**
     * Whether the next write may hand its frame to the operating system from the writing thread
     * itself. Taken by a write; given back when the application reads, or the transport hands its
     * message sink a batch (a write after a read answers something: it must not wait), and when
     * the transport's own thread (event loop, writer thread) has flushed everything a burst of
     * writes left it. So a request or a reply leaves from the writing thread, while a writer that
     * writes and writes without reading leaves the system calls to that thread, one for each batch.
     */
    private volatile int directWrite = 1;
    /** A field of the pipe rather than an AtomicBoolean: a write touches one object less. */
    private static final AtomicIntegerFieldUpdater<FramedPipe> DIRECT_WRITE =
            AtomicIntegerFieldUpdater.newUpdater(FramedPipe.class, "directWrite");

    /** Where a connection is in its life; its owner moves it on. */
    public enum Lifecycle {
        /** A socket's connect is pending. */
        CONNECTING,
        /** A layer under pipc (TLS) runs its handshake. */
        SECURING,
        /** The pipc handshake runs. */
        HANDSHAKING,
        /** Messages flow both ways. */
        OPEN,
        /** This end asked the peer to stop sending and reads until its goodbye. */
        STOPPING,
        /** The peer answered this end's stop with its goodbye: it sends nothing more, but still reads. */
        PEER_FINISHED,
        /** This end sent a disconnect and delivers what arrives until the peer's goodbye. */
        DISCONNECTING,
        /** The peer closed, disconnected or stopped for good: this end answers with its goodbye. */
        PEER_ENDED,
        /** This end closed: what it queued and its goodbye leave, and it reads to the peer's end. */
        CLOSING,
        /** Everything is let go. */
        RELEASED
    }
    /**
     * A Python-wire pipe accepted without a secret has no handshake: watched until either end
     * says something (see {@link #closeIfNeitherEndSpoke}).
     */
    private volatile boolean awaitingFirstWord;
    private volatile boolean peerSpoke;
    private final long outboxQuietMark;
    private long firstWordClockNanos;
    /**
     * Set by {@link #disconnect} before its frame is queued: the frame may leave, and the peer's
     * goodbye answer it, before the owner has moved to {@link Lifecycle#DISCONNECTING} (a stream
     * pipe's writer thread sends on its own). That goodbye answers the disconnect all the same.
     */
    private volatile boolean disconnectQueued;
    /** Owner only: when {@link #checkLiveness} last ran, or 0. */
    private long lastCheckNanos;

    /**
     * @param name the pipe's name
     * @param transport the mechanism behind it
     * @param options limits, timeouts, wire and secret
     * @param role whether this end accepted the connection or made it
     * @param peer describes the other end in errors, e.g. {@code peer 127.0.0.1:53012}
     * @param outboxCapacity how many bytes may wait to be written
     * @param connection the connection's ends, and what was exchanged on it before the pipc
     *        handshake (a TCP rendezvous's hellos): the authentication binds its proofs to them
     */
    protected FramedPipe(String name, Transport transport, PipeOptions options, Role role, String peer, long outboxCapacity,
            ConnectionBinding connection, Lifecycle initial) {
        super(name, transport, options);
        this.state = initial;
        this.peer = Objects.requireNonNull(peer, "peer");
        WireFormat wire = WireFormat.of(options, name);
        this.handshake = wire.newHandshake(role, connection);
        this.decoder = wire.newDecoder();
        this.outbox = new Outbox(wire.encoder(), outboxCapacity, name);
        this.heartbeats = options.wire() == Wire.NATIVE && !options.heartbeat().isZero();
        // Sockets only: a Listener and a Client meet there; over stdio a parent may well be silent for long.
        this.awaitingFirstWord = options.wire() == Wire.PYTHON && options.secret() == null && role == Role.ACCEPTOR
                && (transport == Transport.TCP || transport == Transport.UNIX);
        this.outboxQuietMark = outbox.lastEnqueueNanos();
        // The reader's wake-up is a park and unpark through the scheduler: on a core that idles it
        // costs more than the reply's trip. A short spin, which backs off when it does not pay, saves it.
        inbound().spinBeforeWaiting(AdaptiveSpin.withDefaults());
    }

    /**
     * @return whether this write may flush from the writing thread itself; then later writes may
     *         not, until {@link #allowDirectWrite()}
     */
    protected final boolean takeDirectWrite() {
        return DIRECT_WRITE.getAndSet(this, 0) == 1;
    }

    /** The transport's thread has flushed everything queued, or the application read: the next write may flush itself. */
    protected final void allowDirectWrite() {
        if (directWrite == 0) {
            directWrite = 1;
        }
    }

    @Override
    protected final void messagesRead() {
        allowDirectWrite();
    }

    /**
     * Makes what was queued (control frames, handshake output) leave: the NIO engine flushes,
     * the blocking engine's writer thread has already been woken by the queueing.
     */
    protected abstract void flushQueued();

    /** Lets go of the channels or socket; called once, by the owner, as the state becomes RELEASED. */
    protected abstract void releaseResources();

    /**
     * @return whether the calling thread is this connection's owner now, the only one that may
     *         change its state
     */
    protected abstract boolean inOwner();

    /**
     * Has the owner run {@code command}: at once when the caller is the owner, else soon.
     *
     * @param command a change of state; must not block
     */
    protected abstract void toOwner(Runnable command);

    /**
     * @return the connection's state now; only the owner can rely on it staying so
     */
    protected final Lifecycle state() {
        return state;
    }

    /**
     * @return where the connection is in its life now, for monitoring and tests; it may move
     *         on at any moment, by its owner
     */
    public final Lifecycle lifecycle() {
        return state;
    }

    /**
     * Moves the connection on; by the owner only.
     *
     * @param next the new state
     */
    protected final void moveTo(Lifecycle next) {
        assert inOwner() : "pipe '" + name() + "' moved to " + next + " off its owner";
        if (state != Lifecycle.RELEASED) {
            state = next;
        }
    }

    /**
     * @return how many threads wait in {@code write} for room now: the peer reads more slowly
     *         than this end writes, and the bytes waiting to be sent reached their bound
     */
    public final int writersWaitingForRoom() {
        return outbox.writersWaiting();
    }

    /**
     * @return who the other end is, for errors and logs
     */
    public final String peer() {
        return peer;
    }

    /**
     * @return the opening exchange; driven by the engine's reading side only
     */
    protected final Handshake handshake() {
        return handshake;
    }

    /**
     * @return the frame decoder; driven by the engine's reading side only
     */
    protected final FrameDecoder decoder() {
        return decoder;
    }

    /**
     * @return what waits to be written
     */
    protected final Outbox outbox() {
        return outbox;
    }

    /**
     * @return whether the peer neither sends nor reads any more: it closed or disconnected, and
     *         this end answers with its goodbye
     */
    protected final boolean peerEnded() {
        return state == Lifecycle.PEER_ENDED;
    }

    /**
     * @return whether the peer sends nothing more (it may still read, after our stop)
     */
    protected final boolean peerDoneSending() {
        Lifecycle now = state;
        return now == Lifecycle.PEER_FINISHED || now == Lifecycle.PEER_ENDED || now == Lifecycle.RELEASED;
    }

    /**
     * @return whether this end disconnected and waits for the peer's goodbye
     */
    protected final boolean disconnecting() {
        return state == Lifecycle.DISCONNECTING;
    }

    /**
     * @return whether the resources are let go
     */
    protected final boolean isReleased() {
        return state == Lifecycle.RELEASED;
    }

    /** Lets go of everything, once; a handshake still running is abandoned. By the owner only. */
    protected final void release() {
        assert inOwner() : "pipe '" + name() + "' released off its owner";
        if (state == Lifecycle.RELEASED) {
            return;
        }
        state = Lifecycle.RELEASED;
        handshake.abandon();
        outbox.abort(this::closedException);
        releaseResources();
    }

    @Override
    public final void stopReceiving() {
        ensureOpen();
        if (options().wire() == Wire.PYTHON) {
            throw new UnsupportedOperationException("pipe '" + name() + "': the Python wire cannot ask its peer to stop"
                    + " sending; close the pipe instead");
        }
        toOwner(() -> {
            if (state == Lifecycle.OPEN) {
                moveTo(Lifecycle.STOPPING);
                if (outbox.enqueueControl(STOP)) {
                    flushQueued();
                }
            }
        });
    }

    @Override
    public final void disconnect(String reason) {
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
        disconnectQueued = true;
        // Writers are refused at once; the disconnect frame follows everything they queued before.
        outbox.refuse(() -> new PipeClosedException("pipe '" + name() + "' was disconnected; nothing more can be written"),
                (encoder, out) -> encoder.encodeDisconnect(reason, out));
        toOwner(() -> {
            if (state == Lifecycle.RELEASED) {
                return;
            }
            if (state == Lifecycle.PEER_ENDED) {
                // The peer went first: nobody waits for an answer.
                endDisconnected("");
                return;
            }
            moveTo(Lifecycle.DISCONNECTING);
            log.debug("pipe '{}' disconnecting from {}: {}", name(), peer, reason);
            flushQueued();
            awaitPeerAfterDisconnect();
        });
    }

    /**
     * On the owner, after this end's disconnect was queued: the peer answers with its goodbye
     * (then {@link #endDisconnected(String)} runs), and one that does not is let go after the
     * write timeout, through the same method.
     */
    protected abstract void awaitPeerAfterDisconnect();

    /**
     * The end of a disconnect: readers take what the peer sent until then, and are then told the
     * pipe is closed; everything is let go.
     *
     * @param note appended to the readers' message, e.g. why the peer's answer was not awaited
     */
    protected final void endDisconnected(String note) {
        assert inOwner() : "pipe '" + name() + "' ended its disconnect off its owner";
        String message = "pipe '" + name() + "' was disconnected" + note;
        finishInbound(() -> new PipeClosedException(message), () -> new PipeClosedException(message));
        release();
    }

    /**
     * What a control frame means: a disconnect or a goodbye ends the peer, a goodbye after our
     * stop only its sending, a stop from the peer ends this end's writing.
     *
     * @param frame a frame from the decoder that is not data
     */
    protected final void onControl(Frame frame) {
        assert inOwner() : "pipe '" + name() + "' handled a control frame off its owner";
        if (frame instanceof Frame.Disconnect disconnect) {
            String reason = disconnect.reason();
            peerWentAway(() -> new PeerDisconnectedException("pipe '" + name() + "': " + peer + " disconnected"
                    + (reason.isEmpty() ? "" : ": " + reason), reason));
        } else if (frame instanceof Frame.Goodbye) {
            if (state == Lifecycle.STOPPING) {
                // The answer to our STOP: the peer has sent everything, and still reads what we write.
                moveTo(Lifecycle.PEER_FINISHED);
                finishInbound(() -> new PeerClosedException("pipe '" + name() + "': " + peer
                        + " has sent everything (this end stopped receiving)"), this::closedException);
                return;
            }
            peerWentAway(() -> new PeerClosedException("pipe '" + name() + "': " + peer + " closed"));
        } else if (frame instanceof Frame.Stop) {
            // The peer wants nothing more from us: what is queued still leaves, then our goodbye; we go on reading.
            outbox.refuse(() -> new PeerClosedException("pipe '" + name() + "': " + peer
                    + " stopped receiving; nothing more can be written"), GOODBYE);
            flushQueued();
        }
    }

    /**
     * The peer closed or disconnected: this end answers with its goodbye after what it had
     * queued, and readers take what the peer sent before they hear of the end.
     *
     * @param ending makes the exception readers (and writers) get
     */
    protected final void peerWentAway(Supplier<? extends PipeException> ending) {
        assert inOwner() : "pipe '" + name() + "' heard of its peer's end off its owner";
        Lifecycle now = state;
        if (now == Lifecycle.PEER_ENDED || now == Lifecycle.RELEASED) {
            return;
        }
        if (now == Lifecycle.DISCONNECTING || disconnectQueued) {
            endDisconnected("");
            return;
        }
        if (now != Lifecycle.CLOSING) {
            moveTo(Lifecycle.PEER_ENDED);
        }
        // Writes are refused before readers hear of it: a write after a read saw the end must fail, not vanish.
        outbox.refuse(ending, GOODBYE);
        finishInbound(ending, ending);
        flushQueued();
    }

    /**
     * The established pipe cannot go on: writers get the failure now, readers after what is
     * queued, and everything is let go.
     *
     * @param failure what happened
     */
    protected final void failEstablished(PipeException failure) {
        assert inOwner() : "pipe '" + name() + "' failed off its owner";
        if (isReleased()) {
            return;
        }
        log.debug("pipe '{}' failed: {}", name(), failure.getMessage());
        SharedFailure again = new SharedFailure(failure);
        outbox.abort(again);
        finishInbound(again, again);
        release();
    }

    /**
     * Readers take what is queued, then {@code forReaders}; producers get {@code forProducers}.
     * By the owner, so that it follows every message delivered before.
     */
    private void finishInbound(Supplier<? extends PipeException> forReaders, Supplier<? extends PipeException> forProducers) {
        inbound().finish(forReaders, forProducers);
        inboundEnded(forReaders);
    }

    /**
     * Told, on the owner, when nothing more will be received: a transport that hands messages
     * to a {@link io.pipc.MessageSink} passes the end on.
     *
     * @param ending makes the exception a reader gets now
     */
    protected void inboundEnded(Supplier<? extends PipeException> ending) {
    }

    /** Queues what the handshake has to say, and makes it leave. */
    protected final void sendHandshakeOutput() {
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
        flushQueued();
    }

    /**
     * The periodic checks of an established pipe: a heartbeat when nothing was written for an
     * interval; the end of a peer that sent nothing, not even a heartbeat, for three intervals,
     * or that left a frame half-sent for {@link PipeOptions#frameTimeout()}. While this end is
     * not reading (its queue is full), the silence is its own and does not count; nor does it
     * on a check that comes more than an interval after the one before: this end itself was
     * not running (a starved machine, a long pause), and the peer's heartbeat, sent as both
     * resume, may not be read yet. That check sends a heartbeat but judges no one.
     *
     * @param now the clock
     * @param lastReceivedNanos when bytes last arrived
     * @param midFrameSinceNanos when the frame in progress began, or 0 between frames
     * @param readingPaused whether this end has stopped reading
     */
    protected final void checkLiveness(long now, long lastReceivedNanos, long midFrameSinceNanos, boolean readingPaused) {
        assert inOwner() : "pipe '" + name() + "' checked its peer off its owner";
        Lifecycle current = state;
        if (current != Lifecycle.OPEN && current != Lifecycle.STOPPING && current != Lifecycle.PEER_FINISHED) {
            return;
        }
        if (awaitingFirstWord && closeIfNeitherEndSpoke(now)) {
            return;
        }
        boolean peerDoneSending = current == Lifecycle.PEER_FINISHED;
        if (heartbeats) {
            long interval = options().heartbeat().toNanos();
            boolean afterOwnStall = lastCheckNanos != 0 && now - lastCheckNanos > interval;
            lastCheckNanos = now;
            if (now - outbox.lastEnqueueNanos() >= interval && outbox.enqueueControl(HEARTBEAT)) {
                flushQueued();
            }
            if (afterOwnStall) {
                return;
            }
            // After its goodbye the peer sends nothing, heartbeats included, though it may still read.
            if (!readingPaused && !peerDoneSending && now - lastReceivedNanos > 3 * interval) {
                failEstablished(new PeerClosedException("pipe '" + name() + "': " + peer + " sent nothing, not even a"
                        + " heartbeat, for " + options().heartbeat().multipliedBy(3) + "; it is frozen, or the way to it is gone"));
                return;
            }
        }
        if (midFrameSinceNanos != 0 && !readingPaused && now - midFrameSinceNanos > options().frameTimeout().toNanos()) {
            failEstablished(new PeerClosedException("pipe '" + name() + "': " + peer + " stalled in the middle of a frame"
                    + " for " + options().frameTimeout() + "; the pipe is closed"));
        }
    }

    /**
     * A {@code multiprocessing.connection} {@code Client} with an authkey waits for a challenge
     * before it sends anything; a pipc server without a secret sends none, and its application
     * waits for the client's first message: both would wait forever, with no word in either log
     * (CPython's own {@code Listener} does the same, CPython issue 123736). So a Python-wire pipe
     * accepted without a secret on which neither end has sent a byte within
     * {@link PipeOptions#handshakeTimeout()} is closed, saying the likely cause. Once either end
     * has spoken, the watch ends: a server that writes first is not affected.
     *
     * @return whether the pipe was closed
     */
    private boolean closeIfNeitherEndSpoke(long now) {
        if (peerSpoke || outbox.lastEnqueueNanos() != outboxQuietMark) {
            awaitingFirstWord = false;
            return false;
        }
        if (firstWordClockNanos == 0) {
            firstWordClockNanos = now;
            return false;
        }
        if (now - firstWordClockNanos <= options().handshakeTimeout().toNanos()) {
            return false;
        }
        awaitingFirstWord = false;
        String message = "pipe '" + name() + "': " + peer + " sent nothing within " + options().handshakeTimeout()
                + " of connecting, and this end sent nothing either; the connection is closed. On the Python wire this is"
                + " what a multiprocessing.connection Client with an authkey does against a server without a secret: it"
                + " waits for an authentication challenge that never comes. Set the same secret on both ends, or none on"
                + " either (a client that only reads must be sent something within the handshake timeout)";
        SILENT_PYTHON_PEERS.warn(now, message);
        failEstablished(new ProtocolException(message));
        return true;
    }

    /**
     * @return the failure of a handshake that ran out of time, saying where it stood
     */
    protected final PipeTimeoutException handshakeTimedOut() {
        return new PipeTimeoutException("pipe '" + name() + "': " + peer + " did not complete the handshake in time"
                + handshake.stalled());
    }

    /**
     * @param previousNanos when the frame in progress began, before the last decode, or 0
     * @param completedAny whether the last decode completed a frame (so the one in progress is new)
     * @return when the frame in progress began now, or 0 between frames: the clock of the frame deadline
     */
    protected final long midFrameClock(long previousNanos, boolean completedAny) {
        if (completedAny || decoder.isMidFrame()) {
            // Bytes arrived: a frame completed, or one has begun.
            peerSpoke = true;
        }
        if (!decoder.isMidFrame()) {
            return 0;
        }
        return previousNanos == 0 || completedAny ? System.nanoTime() : previousNanos;
    }
}
