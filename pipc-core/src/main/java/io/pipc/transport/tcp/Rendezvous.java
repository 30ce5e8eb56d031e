package io.pipc.transport.tcp;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.transport.Deadline;
import io.pipc.transport.RefusalLog;
import io.pipc.transport.SharedThreads;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.EventLoop;
import io.pipc.transport.socket.EventLoopGroup;
import io.pipc.transport.socket.PeerAddress;
import io.pipc.transport.socket.SocketChannels;
import io.pipc.transport.socket.SocketClient;
import io.pipc.transport.socket.SocketPipe;
import io.pipc.transport.socket.TlsFailure;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pIPC's TCP rendezvous ({@code Pipes.remote}): both hosts call it with each other's address
 * and the same port, and both get the two ends of one connection, whoever came first.
 *
 * <p>Race-free by construction: each side listens <em>and</em> keeps connecting (with a
 * jittered back-off) until it has a pipe. Each TCP connection, after TLS when TLS is on, carries
 * a hello each way with a random 64-bit id per call; on every connection the side with the
 * higher id leads, commits exactly one connection at a time with a commit byte, and the other
 * side waits for a commit on any of its connections. The pipc handshake (preface, and
 * authentication with a secret) then runs on the committed connection; when it fails (a third
 * party that does not know the secret), that connection is dropped and the rendezvous goes on
 * until its deadline. The first pipe established wins; everything else is closed, the listener
 * included. See {@code docs/protocol.md}, "TCP rendezvous".
 *
 * <p>Runs on one of the shared event loops, which owns every connection of the rendezvous and
 * all of its state (asserted); the calling thread only waits for the outcome, and its timeout
 * or interruption reaches the loop as a command. The chosen connection becomes a pipe whose
 * owner is a loop too.
 */
final class Rendezvous implements EventLoop.Handler {

    private static final Logger log = LoggerFactory.getLogger(Rendezvous.class);

    /** Connections held at once before the pipe is chosen; beyond, new ones are closed at once. */
    private static final int MAX_CONNECTIONS = 32;
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final String name;
    private final String host;
    private final InetSocketAddress peerAddress;
    private final InetSocketAddress localAddress;
    private final PipeOptions options;
    private final long ownId = RendezvousHello.newId();
    private final Deadline deadline;
    private final List<RendezvousConnection> connections = new ArrayList<>();
    /** Pipes running their pipc handshake on a chosen connection, with the connection each came from. */
    private final Map<SocketPipe, RendezvousConnection> handshaking = new IdentityHashMap<>();
    private final List<RendezvousConnection> committedByUs = new ArrayList<>();
    /** The loop's handler of each connection, to forget when it leaves the rendezvous. */
    private final Map<RendezvousConnection, EventLoop.Handler> handlers = new IdentityHashMap<>();
    private final CompletableFuture<SocketPipe> outcome = new CompletableFuture<>();
    private final SharedThreads.Lease<EventLoopGroup> loops;
    private final EventLoop loop;
    private @Nullable ServerSocketChannel listener;
    private @Nullable SelectionKey listenerKey;
    /** Loop only: the outcome is decided; everything else is being let go. */
    private boolean over;
    private @Nullable RendezvousConnection outgoing;
    private long nextConnectNanos;
    private long retryNanos = FIRST_RETRY_NANOS;
    private @Nullable PipeException lastFailure;
    private @Nullable String lastConnectError;
    private final RefusalLog refusals;

    /**
     * @param name the pipe's name
     * @param host the peer's host as the application gave it (TLS checks its certificate against it)
     * @param peerAddress where the peer listens
     * @param localAddress where this side listens, and the address it connects from (port ignored)
     * @param options timeouts, secret, TLS
     */
    Rendezvous(String name, String host, InetSocketAddress peerAddress, InetSocketAddress localAddress, PipeOptions options) {
        this.name = name;
        this.host = host;
        this.peerAddress = peerAddress;
        this.localAddress = localAddress;
        this.options = options;
        this.deadline = Deadline.after(options.connectTimeout());
        this.refusals = new RefusalLog(log, "pipe '" + name + "' (rendezvous)");
        this.loops = EventLoopGroup.acquire(options.threadFactory());
        this.loop = EventLoopGroup.nextOf(loops);
    }

    /**
     * @return the connected, authenticated pipe
     * @throws PipeTimeoutException when no peer paired within the connect timeout; nothing is left listening
     * @throws PipeException when this side cannot listen where it was told to
     */
    Pipe pair() {
        try {
            listen();
        } catch (IOException | RuntimeException e) {
            loops.release();
            throw e instanceof PipeException p ? p
                    : new PipeException("pipe '" + name + "': the rendezvous with " + host + " failed: " + e.getMessage(), e);
        }
        log.debug("pipe '{}': rendezvous with {} on port {} (listening: {})", name, host, peerAddress.getPort(),
                listener != null);
        loop.execute(this::start);
        try {
            return outcome.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            loop.execute(() -> giveUp(timeout()));
            return awaitOutcome();
        } catch (InterruptedException e) {
            loop.execute(() -> giveUp(new PipeException("pipe '" + name + "': interrupted while waiting for " + host)));
            try {
                awaitOutcome().close(); // paired just as the caller gave up: nobody takes it
            } finally {
                Thread.currentThread().interrupt();
            }
            throw new PipeException("pipe '" + name + "': interrupted while waiting for " + host, e);
        } catch (ExecutionException e) {
            throw failure(e);
        }
    }

    /** After giving up: the loop has decided, one way or the other, or decides now. */
    private Pipe awaitOutcome() {
        try {
            return outcome.join();
        } catch (CompletionException e) {
            throw failure(e);
        }
    }

    /** The loop made the failure for this one caller: it is thrown as it is, with its causes. */
    private static PipeException failure(Exception wrapped) {
        Throwable cause = wrapped.getCause();
        return cause instanceof PipeException p ? p : new PipeException(String.valueOf(cause), cause);
    }

    /** On the loop: the listener goes on it, and the first connect out. */
    private void start() {
        assert loop.inEventLoop();
        if (listener != null) {
            try {
                listenerKey = loop.register(listener, SelectionKey.OP_ACCEPT, this);
            } catch (IOException e) {
                giveUp(new PipeException("pipe '" + name + "': cannot listen on " + localAddress + " for the rendezvous: "
                        + e.getMessage(), e));
                return;
            }
        }
        nextConnectNanos = System.nanoTime();
        goOn();
    }

    @Override
    public void ready(SelectionKey key) {
        accept();
        goOn();
    }

    @Override
    public void tick(long nowNanos) {
        if (over) {
            return;
        }
        if (deadline.remainingNanos() <= 0) {
            giveUp(timeout());
            return;
        }
        for (RendezvousConnection connection : List.copyOf(connections)) {
            if (connection.isOverdue(nowNanos)) {
                drop(connection, null, "it did not finish stage " + connection.stage() + " in time");
            }
        }
        goOn();
    }

    /** After anything happened: connect again when due, commit when leading. */
    private void goOn() {
        if (over) {
            return;
        }
        connectIfDue();
        commitIfLeader();
    }

    /** On the loop: the outcome is decided; let go of everything but the winning pipe. */
    private void giveUp(PipeException why) {
        assert loop.inEventLoop();
        if (over) {
            return;
        }
        over = true;
        closeEverything();
        afterRelease(() -> outcome.completeExceptionally(why));
    }

    private void listen() throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(SocketChannels.family(localAddress.getAddress()));
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(localAddress, 64);
            channel.configureBlocking(false);
            listener = channel;
        } catch (BindException e) {
            channel.close();
            if (e.getMessage() != null && e.getMessage().contains("in use")) {
                // Someone, probably the peer on this same host and address, listens already: only connect.
                log.debug("pipe '{}': {} is in use; only connecting to {}", name, localAddress, peerAddress);
                return;
            }
            throw new PipeException("pipe '" + name + "': cannot listen on " + localAddress + " for the rendezvous: "
                    + e.getMessage() + " (is " + localAddress.getAddress().getHostAddress() + " an address of this host?"
                    + " See PipeOptions.localAddress)", e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private void connectIfDue() {
        long now = System.nanoTime();
        // While a chosen connection runs its handshake, new ones would only wait: connect again if it fails.
        if (outgoing != null || !handshaking.isEmpty() || now - nextConnectNanos < 0 || connections.size() >= MAX_CONNECTIONS) {
            return;
        }
        SocketChannel socket = null;
        try {
            socket = SocketChannel.open(SocketChannels.family(peerAddress.getAddress()));
            socket.configureBlocking(false);
            if (!localAddress.getAddress().isAnyLocalAddress()) {
                socket.bind(new InetSocketAddress(localAddress.getAddress(), 0));
            }
            boolean connected = socket.connect(peerAddress);
            ConnectionHandler handler = new ConnectionHandler();
            SelectionKey key = loop.register(socket, 0, handler);
            RendezvousConnection connection = new RendezvousConnection(socket, key, false, !connected,
                    "peer " + peerAddress, name, ownId, this::layer, stageTimeoutNanos());
            handler.connection = connection;
            handlers.put(connection, handler);
            connections.add(connection);
            outgoing = connection;
            if (connected) {
                advance(connection);
            }
        } catch (IOException e) {
            SocketChannels.closeQuietly(socket);
            connectFailed(e.getMessage());
        }
    }

    private void connectFailed(@Nullable String why) {
        lastConnectError = why;
        long jitter = ThreadLocalRandom.current().nextLong(retryNanos / 2, retryNanos * 3 / 2 + 1);
        nextConnectNanos = System.nanoTime() + jitter;
        retryNanos = Math.min(MAX_RETRY_NANOS, retryNanos * 2);
    }

    private void accept() {
        ServerSocketChannel channel = listener;
        if (channel == null) {
            return;
        }
        for (int i = 0; i < 16; i++) {
            SocketChannel socket;
            try {
                socket = channel.accept();
            } catch (IOException e) {
                log.debug("pipe '{}': accept failed: {}", name, e.getMessage());
                return;
            }
            if (socket == null) {
                return;
            }
            String peer = "peer " + SocketChannels.remoteAddress(socket);
            // One host must not hold every place: others, the real peer among them, keep some.
            int perAddress = Math.min(options.maxHandshakingConnectionsPerAddress(), MAX_CONNECTIONS);
            String refusal = connections.size() >= MAX_CONNECTIONS
                    ? "already " + MAX_CONNECTIONS + " connections waiting in the rendezvous"
                    : pendingFrom(socket) >= perAddress
                            ? "already " + perAddress + " connections from its address waiting in the rendezvous"
                                    + " (maxHandshakingConnectionsPerAddress)"
                            : null;
            if (refusal != null) {
                refusals.warn(System.nanoTime(), "pipe '" + name + "': refused " + peer + ": " + refusal);
                SocketChannels.closeQuietly(socket);
                continue;
            }
            try {
                socket.configureBlocking(false);
                ConnectionHandler handler = new ConnectionHandler();
                SelectionKey key = loop.register(socket, 0, handler);
                RendezvousConnection connection = new RendezvousConnection(socket, key, true, false, peer, name, ownId,
                        this::layer, stageTimeoutNanos());
                handler.connection = connection;
                handlers.put(connection, handler);
                connections.add(connection);
                advance(connection);
            } catch (IOException e) {
                SocketChannels.closeQuietly(socket);
            }
        }
    }

    private Conduit layer(SocketChannel socket, boolean accepted) throws IOException {
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (accepted) {
            // Either side may end up accepting, so a TLS rendezvous is always mutual, and the
            // connecting side's certificate must name the host this side was told to meet, as
            // the accepting side's must for the connecting side: otherwise any certificate the
            // trust store accepts could take the peer's place.
            return TcpTransport.acceptedConduit(socket, options, true, host, "peer " + SocketChannels.remoteAddress(socket));
        }
        return TcpTransport.connectingConduit(socket, options, host, peerAddress.getPort());
    }

    /** The loop's handler of one connection of the rendezvous. */
    private final class ConnectionHandler implements EventLoop.Handler {
        @Nullable RendezvousConnection connection;

        @Override
        public void ready(SelectionKey key) {
            RendezvousConnection c = connection;
            if (c != null && !over) {
                advance(c);
                goOn();
            }
        }

        @Override
        public void tick(long nowNanos) {
            // The rendezvous's own tick checks every connection's stage deadline.
        }
    }

    private void advance(RendezvousConnection connection) {
        assert loop.inEventLoop();
        if (over || !connections.contains(connection)) {
            return;
        }
        try {
            connection.advance();
        } catch (PipeException e) {
            drop(connection, e, e.getMessage());
            return;
        } catch (TlsFailure e) {
            PipeException failure = e.toPipeException(name, connection.peer());
            if (failure instanceof AuthenticationException) {
                refusals.warn(System.nanoTime(), "pipe '" + name + "': refused " + connection.peer()
                        + " during the rendezvous; still waiting for the peer: " + failure.getMessage());
            }
            drop(connection, failure, failure.getMessage());
            return;
        } catch (IOException e) {
            drop(connection, null, e.getMessage());
            return;
        }
        if (connection.stage() == RendezvousConnection.Stage.CHOSEN) {
            startPipe(connection);
        } else if (connection.hasUnreadInput()) {
            // A TLS record holds more than was read: the socket will not say so again.
            loop.executeLater(() -> {
                advance(connection);
                goOn();
            });
        }
    }

    /** Leads: commits the first connection ready, when no commit of ours is still in its handshake. */
    private void commitIfLeader() {
        if (!committedByUs.isEmpty()) {
            return;
        }
        for (RendezvousConnection connection : List.copyOf(connections)) {
            if (connection.stage() == RendezvousConnection.Stage.READY) {
                committedByUs.add(connection);
                try {
                    connection.commit();
                } catch (IOException e) {
                    committedByUs.remove(connection);
                    drop(connection, null, e.getMessage());
                    continue;
                }
                if (connection.stage() == RendezvousConnection.Stage.CHOSEN) {
                    startPipe(connection);
                }
                return;
            }
        }
    }

    private void startPipe(RendezvousConnection connection) {
        connections.remove(connection);
        if (connection == outgoing) {
            outgoing = null;
            connectFailed(null);
        }
        connection.handOver();
        forget(connection);
        long handshakeNanos = Math.min(Deadline.toNanos(options.handshakeTimeout()), deadline.remainingNanos());
        SocketPipe pipe = SocketClient.handshake(name, Transport.TCP, options, connection.role(), connection.conduit(),
                connection.peer(), Deadline.after(Duration.ofNanos(Math.max(1, handshakeNanos))),
                connection.handshakeContext());
        handshaking.put(pipe, connection);
        pipe.established().whenComplete((ok, failure) -> loop.execute(this::checkHandshakes));
    }

    /** On the loop, when a pipc handshake ended: the first success wins, a failure lets the rendezvous go on. */
    private void checkHandshakes() {
        if (over) {
            return;
        }
        SocketPipe pipe = established();
        if (pipe == null) {
            goOn();
            return;
        }
        log.debug("pipe '{}': paired with {}", name, pipe.peer());
        over = true;
        closeEverything();
        afterRelease(() -> outcome.complete(pipe));
    }

    /** @return the first pipe whose handshake succeeded, after dropping those that failed */
    private @Nullable SocketPipe established() {
        for (SocketPipe pipe : List.copyOf(handshaking.keySet())) {
            if (!pipe.established().isDone()) {
                continue;
            }
            committedByUs.remove(handshaking.remove(pipe));
            if (!pipe.established().isCompletedExceptionally()) {
                return pipe;
            }
            PipeException failure = failureOf(pipe);
            remember(failure);
            if (failure instanceof AuthenticationException) {
                refusals.warn(System.nanoTime(), "pipe '" + name + "': " + pipe.peer() + " failed to authenticate during"
                        + " the rendezvous; still waiting for the peer: " + failure.getMessage());
            } else {
                refusals.info(System.nanoTime(), "pipe '" + name + "': the handshake with " + pipe.peer() + " failed"
                        + " during the rendezvous; still waiting for the peer: " + failure.getMessage());
            }
        }
        return null;
    }

    /**
     * Keeps the failure the timeout will name. A refused authentication says what to fix (the
     * secrets differ); the connection a peer closes when it gives up after that says nothing, so
     * it does not replace one.
     */
    private void remember(PipeException failure) {
        if (!(lastFailure instanceof AuthenticationException) || failure instanceof AuthenticationException) {
            lastFailure = failure;
        }
    }

    private static PipeException failureOf(SocketPipe pipe) {
        try {
            pipe.established().join();
            throw new IllegalStateException("the handshake did not fail");
        } catch (CompletionException e) {
            return e.getCause() instanceof PipeException failure ? failure
                    : new PipeException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    private void drop(RendezvousConnection connection, @Nullable PipeException failure, @Nullable String why) {
        connection.drop();
        forget(connection);
        connections.remove(connection);
        committedByUs.remove(connection);
        if (failure != null && !(failure instanceof PeerClosedException) && !connection.isToItself()) {
            remember(failure);
        }
        if (connection == outgoing) {
            outgoing = null;
            connectFailed(why);
        }
        log.debug("pipe '{}': dropped {} from the rendezvous: {}", name, connection, why);
    }

    private PipeTimeoutException timeout() {
        String why = lastFailure != null ? "; the last connection failed: " + lastFailure.getMessage()
                : lastConnectError != null ? "; connecting to " + peerAddress + " failed: " + lastConnectError
                : "";
        PipeTimeoutException e = new PipeTimeoutException("pipe '" + name + "': no peer paired with this end within "
                + options.connectTimeout() + " (rendezvous with " + host + " on port " + peerAddress.getPort()
                + (listener != null ? ", listening on " + localAddress : ", not listening: the port is in use here")
                + ")" + why + "; is the peer calling Pipes.remote with this host's address and the same port?");
        if (lastFailure != null) {
            e.initCause(lastFailure);
        }
        return e;
    }

    private void forget(RendezvousConnection connection) {
        EventLoop.Handler handler = handlers.remove(connection);
        if (handler != null) {
            loop.forget(handler);
        }
    }

    /** On the loop, once: every connection and handshake but the winner's closed, the listener and the loop let go. */
    private void closeEverything() {
        assert loop.inEventLoop();
        for (RendezvousConnection connection : connections) {
            connection.drop();
            forget(connection);
        }
        connections.clear();
        // The winner, if any, has left this map already.
        for (SocketPipe pipe : handshaking.keySet()) {
            pipe.closeWithoutWaiting();
        }
        handshaking.clear();
        loop.forget(this);
        if (listenerKey != null) {
            listenerKey.cancel();
        }
        SocketChannels.closeQuietly(listener);
        refusals.end();
        loops.release();
    }

    /**
     * Runs {@code decision} once the loop has let go of the listener (it keeps its port until
     * then): the caller hears the outcome when nothing of the rendezvous listens any more.
     */
    private void afterRelease(Runnable decision) {
        loop.afterDeregistration(decision);
    }

    private long stageTimeoutNanos() {
        return Deadline.toNanos(options.handshakeTimeout());
    }

    /**
     * @return how many accepted connections from the address {@code socket} comes from wait in
     *         the rendezvous; 0 when it counts under none ({@link PeerAddress})
     */
    private int pendingFrom(SocketChannel socket) {
        InetAddress address = PeerAddress.countedFor(socket);
        if (address == null) {
            return 0;
        }
        int count = 0;
        for (RendezvousConnection connection : connections) {
            if (connection.accepted() && address.equals(PeerAddress.countedFor(connection.socket()))) {
                count++;
            }
        }
        return count;
    }
}
