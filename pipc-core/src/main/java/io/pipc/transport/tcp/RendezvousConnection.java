package io.pipc.transport.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Objects;

import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.SocketChannels;
import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;

/**
 * One TCP connection of a rendezvous, from its connect or accept until the rendezvous chooses
 * it or drops it: the TLS handshake when TLS is on, the hello each way, then the commit. Driven
 * by the rendezvous's selector; never blocks.
 *
 * <p>Bytes are read exactly as far as the rendezvous needs them (16 for the hello, 1 for the
 * commit), so that whatever follows (the peer's pipc preface) is left for the pipe.
 */
final class RendezvousConnection {

    /** How far the connection has come. */
    enum Stage {
        /** The outgoing connect is pending. */
        CONNECTING,
        /** The TLS handshake runs. */
        TLS,
        /** Hellos are being exchanged. */
        HELLO,
        /** This side leads on this connection and may commit it. */
        READY,
        /** This side leads and is sending the commit byte. */
        COMMITTING,
        /** The peer leads on this connection; this side waits for its commit byte. */
        AWAITING_COMMIT,
        /** Committed: the pipc handshake may start. */
        CHOSEN
    }

    /** Makes the conduit (plain or TLS) once the TCP connection is up. */
    @FunctionalInterface
    interface Layer {
        Conduit over(SocketChannel socket, boolean accepted) throws IOException;
    }

    private final SocketChannel socket;
    private final boolean accepted;
    private final String peer;
    private final String pipeName;
    private final long ownId;
    private final Layer layer;
    private final SelectionKey key;
    private final byte[] peerHello = new byte[RendezvousHello.LENGTH];
    private final ByteBuffer helloIn = ByteBuffer.wrap(peerHello);
    private final ByteBuffer commitIn = ByteBuffer.allocate(1);
    private @Nullable Conduit conduit;
    private ByteBuffer out = ByteBuffer.allocate(0);
    private Stage stage;
    private long stageDeadlineNanos;
    private boolean toItself;
    private final long stageTimeoutNanos;

    /**
     * @param socket the socket, non-blocking, registered or about to be with {@code key}
     * @param key its key in the rendezvous's selector; the attachment is this connection
     * @param accepted whether the listener accepted it (else this side connected)
     * @param connecting whether the outgoing connect is still pending
     * @param peer who is at the other end, for messages
     * @param pipeName the pipe, for messages
     * @param ownId this side's rendezvous id
     * @param layer makes the conduit
     * @param stageTimeoutNanos how long each stage may take
     */
    RendezvousConnection(SocketChannel socket, SelectionKey key, boolean accepted, boolean connecting, String peer,
            String pipeName, long ownId, Layer layer, long stageTimeoutNanos) {
        this.socket = socket;
        this.key = key;
        this.accepted = accepted;
        this.peer = peer;
        this.pipeName = pipeName;
        this.ownId = ownId;
        this.layer = layer;
        this.stageTimeoutNanos = stageTimeoutNanos;
        this.stage = Stage.CONNECTING;
        enter(Stage.CONNECTING);
        key.interestOps(connecting ? SelectionKey.OP_CONNECT : 0);
    }

    SocketChannel socket() {
        return socket;
    }

    Stage stage() {
        return stage;
    }

    String peer() {
        return peer;
    }

    boolean accepted() {
        return accepted;
    }

    /**
     * @return the pipc role on this connection: the side that accepted it is the acceptor
     */
    Role role() {
        return accepted ? Role.ACCEPTOR : Role.CONNECTOR;
    }

    /**
     * @return the two hellos, the acceptor's first: what the pipc handshake binds into its proofs,
     *         so that a proof made on one connection of this rendezvous is worthless on another
     */
    byte[] handshakeContext() {
        if (helloIn.hasRemaining()) {
            throw new IllegalStateException("the peer's hello has not arrived");
        }
        byte[] own = RendezvousHello.encode(ownId);
        byte[] first = accepted ? own : peerHello;
        byte[] second = accepted ? peerHello : own;
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /**
     * @return whether the hello showed this side's own id: the connection went to this side's own listener
     */
    boolean isToItself() {
        return toItself;
    }

    /**
     * @return the conduit, once the TCP connection is up
     */
    Conduit conduit() {
        return Objects.requireNonNull(conduit, "not connected yet");
    }

    /**
     * @param nowNanos the clock
     * @return whether the current stage took too long
     */
    boolean isOverdue(long nowNanos) {
        return stage != Stage.CHOSEN && nowNanos - stageDeadlineNanos > 0;
    }

    /**
     * Goes as far as the socket allows.
     *
     * @throws IOException when the socket fails
     * @throws io.pipc.PipeException when the peer breaks the rendezvous (a foreign peer, a
     *         connection to itself) or goes away
     */
    void advance() throws IOException {
        Stage before;
        do {
            before = stage;
            step();
        } while (stage != before);
    }

    /**
     * @return whether the layer (TLS) holds bytes this connection still wants to read: the
     *         socket will not signal them, so the rendezvous must call {@link #advance()} again
     */
    boolean hasUnreadInput() {
        if (conduit == null || !conduit.hasBufferedInput()) {
            return false;
        }
        return (stage == Stage.HELLO && helloIn.hasRemaining()) || stage == Stage.AWAITING_COMMIT || stage == Stage.READY;
    }

    private void step() throws IOException {
        switch (stage) {
            case CONNECTING -> {
                if (accepted || socket.finishConnect()) {
                    conduit = layer.over(socket, accepted);
                    key.interestOps(SelectionKey.OP_READ);
                    enter(Stage.TLS);
                }
            }
            case TLS -> {
                Conduit c = conduit();
                if (c.handshake()) {
                    out = ByteBuffer.wrap(RendezvousHello.encode(ownId));
                    enter(Stage.HELLO);
                    flushOut();
                } else {
                    interest(SelectionKey.OP_WRITE, c.handshakeWantsWrite());
                }
            }
            case HELLO -> {
                boolean sent = flushOut();
                if (helloIn.hasRemaining()) {
                    int n = conduit().read(helloIn);
                    if (n < 0) {
                        throw gone("before its rendezvous hello arrived");
                    }
                    RendezvousHello.checkMagic(peerHello, helloIn.position(), pipeName, peer);
                }
                if (sent && !helloIn.hasRemaining()) {
                    long peerId = RendezvousHello.parse(peerHello, pipeName, peer);
                    if (peerId == ownId) {
                        toItself = true;
                        throw new ProtocolException("pipe '" + pipeName + "': connected to itself through " + peer);
                    }
                    enter(RendezvousHello.leads(ownId, peerId) ? Stage.READY : Stage.AWAITING_COMMIT);
                }
            }
            case READY -> {
                // The follower sends nothing until it is committed to: bytes now break the rendezvous.
                if (conduit().read(commitIn) != 0) {
                    throw commitIn.position() > 0
                            ? new ProtocolException("pipe '" + pipeName + "': " + peer + " sent bytes before this side"
                                    + " committed the connection; it does not follow the rendezvous")
                            : gone("before this side committed the connection");
                }
            }
            case COMMITTING -> {
                if (flushOut()) {
                    enter(Stage.CHOSEN);
                }
            }
            case AWAITING_COMMIT -> {
                int n = conduit().read(commitIn);
                if (n < 0) {
                    throw gone("without committing the connection (it chose another one)");
                }
                if (n > 0) {
                    if (commitIn.get(0) != RendezvousHello.COMMIT) {
                        throw new ProtocolException("pipe '" + pipeName + "': " + peer + " sent 0x"
                                + String.format("%02x", commitIn.get(0) & 0xFF) + " where the rendezvous commit byte 0x01"
                                + " belongs");
                    }
                    enter(Stage.CHOSEN);
                }
            }
            case CHOSEN -> { }
        }
    }

    /**
     * Commits this connection: this side leads on it and chose it. Goes on in {@link #advance()}.
     *
     * @throws IOException when the socket fails
     */
    void commit() throws IOException {
        if (stage != Stage.READY) {
            throw new IllegalStateException("only a READY connection can be committed, not " + stage);
        }
        out = ByteBuffer.wrap(new byte[] {RendezvousHello.COMMIT});
        enter(Stage.COMMITTING);
        advance();
    }

    /**
     * Leaves the rendezvous's selector: the pipe takes the socket over.
     */
    void handOver() {
        key.cancel();
    }

    /**
     * Closes the connection; the peer sees its end.
     */
    void drop() {
        key.cancel();
        SocketChannels.closeQuietly(conduit != null ? conduit : socket);
    }

    /** @return whether everything this side has to send has gone */
    private boolean flushOut() throws IOException {
        Conduit c = conduit();
        if (out.hasRemaining()) {
            c.write(out);
        }
        if (c.hasPendingOutput()) {
            c.flushPendingOutput();
        }
        boolean done = !out.hasRemaining() && !c.hasPendingOutput();
        interest(SelectionKey.OP_WRITE, !done);
        return done;
    }

    private void enter(Stage next) {
        stage = next;
        stageDeadlineNanos = System.nanoTime() + stageTimeoutNanos;
    }

    private void interest(int op, boolean on) {
        if (!key.isValid()) {
            return;
        }
        int ops = key.interestOps();
        int wanted = on ? ops | op : ops & ~op;
        if (wanted != ops) {
            key.interestOps(wanted);
        }
    }

    private PeerClosedException gone(String when) {
        return new PeerClosedException("pipe '" + pipeName + "': " + peer + " closed the connection " + when);
    }

    @Override
    public String toString() {
        return "RendezvousConnection[" + peer + ", " + (accepted ? "accepted" : "connected") + ", " + stage + "]";
    }
}
