package io.pipc.transport.tcp;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.transport.Deadline;
import io.pipc.transport.RefusalLog;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.PeerAddress;
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
 * <p>Runs in the calling thread, which waits anyway, with its own selector; the chosen
 * connection moves to the shared event loops for its pipc handshake and its life as a pipe.
 */
final class Rendezvous {

    private static final Logger log = LoggerFactory.getLogger(Rendezvous.class);

    /** Connections held at once before the pipe is chosen; beyond, new ones are closed at once. */
    private static final int MAX_CONNECTIONS = 32;
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long TICK_MILLIS = 50;

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
    private @Nullable Selector selector;
    private @Nullable ServerSocketChannel listener;
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
    }

    /**
     * @return the connected, authenticated pipe
     * @throws PipeTimeoutException when no peer paired within the connect timeout; nothing is left listening
     * @throws PipeException when this side cannot listen where it was told to
     */
    Pipe pair() {
        try (Selector opened = Selector.open()) {
            selector = opened;
            listen();
            nextConnectNanos = System.nanoTime();
            log.debug("pipe '{}': rendezvous with {} on port {} (listening: {})", name, host, peerAddress.getPort(),
                    listener != null);
            while (true) {
                SocketPipe pipe = established();
                if (pipe != null) {
                    log.debug("pipe '{}': paired with {}", name, pipe.peer());
                    return pipe;
                }
                long remaining = deadline.remainingNanos();
                if (remaining <= 0) {
                    throw timeout();
                }
                connectIfDue();
                commitIfLeader();
                waitForEvents(remaining);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new PipeException("pipe '" + name + "': interrupted while waiting for " + host);
                }
            }
        } catch (IOException e) {
            throw new PipeException("pipe '" + name + "': the rendezvous with " + host + " failed: " + e.getMessage(), e);
        } finally {
            closeEverything();
        }
    }

    private void listen() throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(family(localAddress.getAddress()));
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(localAddress, 64);
            channel.configureBlocking(false);
            channel.register(selector(), SelectionKey.OP_ACCEPT);
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
            socket = SocketChannel.open(family(peerAddress.getAddress()));
            socket.configureBlocking(false);
            if (!localAddress.getAddress().isAnyLocalAddress()) {
                socket.bind(new InetSocketAddress(localAddress.getAddress(), 0));
            }
            boolean connected = socket.connect(peerAddress);
            SelectionKey key = socket.register(selector(), 0);
            RendezvousConnection connection = new RendezvousConnection(socket, key, false, !connected,
                    "peer " + peerAddress, name, ownId, this::layer, stageTimeoutNanos());
            key.attach(connection);
            connections.add(connection);
            outgoing = connection;
            if (connected) {
                advance(connection);
            }
        } catch (IOException e) {
            closeQuietly(socket);
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
            String peer = describe(socket);
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
                closeQuietly(socket);
                continue;
            }
            try {
                socket.configureBlocking(false);
                SelectionKey key = socket.register(selector(), 0);
                RendezvousConnection connection = new RendezvousConnection(socket, key, true, false, peer, name, ownId,
                        this::layer, stageTimeoutNanos());
                key.attach(connection);
                connections.add(connection);
                advance(connection);
            } catch (IOException e) {
                closeQuietly(socket);
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
            return TcpTransport.acceptedConduit(socket, options, true, host, describe(socket));
        }
        return TcpTransport.connectingConduit(socket, options, host, peerAddress.getPort());
    }

    private void waitForEvents(long remainingNanos) throws IOException {
        Selector s = selector();
        boolean more = false;
        for (RendezvousConnection connection : connections) {
            more |= connection.hasUnreadInput();
        }
        long waitMillis = Math.min(TICK_MILLIS, TimeUnit.NANOSECONDS.toMillis(remainingNanos) + 1);
        if (outgoing == null) {
            waitMillis = Math.min(waitMillis, TimeUnit.NANOSECONDS.toMillis(Math.max(0, nextConnectNanos - System.nanoTime())) + 1);
        }
        if (more) {
            s.selectNow();
        } else {
            s.select(Math.max(1, waitMillis));
        }
        Iterator<SelectionKey> keys = s.selectedKeys().iterator();
        while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            if (!key.isValid()) {
                continue;
            }
            if (key.channel() == listener) {
                accept();
            } else if (key.attachment() instanceof RendezvousConnection connection) {
                advance(connection);
            }
        }
        long now = System.nanoTime();
        for (RendezvousConnection connection : List.copyOf(connections)) {
            if (connection.hasUnreadInput()) {
                advance(connection);
            } else if (connection.isOverdue(now)) {
                drop(connection, null, "it did not finish stage " + connection.stage() + " in time");
            }
        }
    }

    private void advance(RendezvousConnection connection) {
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
        long handshakeNanos = Math.min(Deadline.toNanos(options.handshakeTimeout()), deadline.remainingNanos());
        SocketPipe pipe = SocketClient.handshake(name, Transport.TCP, options, connection.role(), connection.conduit(),
                connection.peer(), Deadline.after(Duration.ofNanos(Math.max(1, handshakeNanos))),
                connection.handshakeContext());
        handshaking.put(pipe, connection);
        Selector s = selector();
        pipe.established().whenComplete((ok, failure) -> s.wakeup());
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
            lastFailure = failure;
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
        connections.remove(connection);
        committedByUs.remove(connection);
        if (failure != null && !(failure instanceof PeerClosedException) && !connection.isToItself()) {
            lastFailure = failure;
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

    private void closeEverything() {
        for (RendezvousConnection connection : connections) {
            connection.drop();
        }
        connections.clear();
        for (SocketPipe pipe : handshaking.keySet()) {
            pipe.close();
        }
        handshaking.clear();
        if (listener != null) {
            closeQuietly(listener);
        }
        refusals.end();
    }

    private long stageTimeoutNanos() {
        return Deadline.toNanos(options.handshakeTimeout());
    }

    private Selector selector() {
        Selector s = selector;
        if (s == null) {
            throw new IllegalStateException("the rendezvous has not started");
        }
        return s;
    }

    private static StandardProtocolFamily family(InetAddress address) {
        return address instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    private static String describe(SocketChannel socket) {
        try {
            return "peer " + socket.getRemoteAddress();
        } catch (IOException e) {
            return "peer (gone)";
        }
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
        for (SelectionKey k : selector().keys()) {
            if (k.isValid() && k.attachment() instanceof RendezvousConnection connection && connection.accepted()
                    && connections.contains(connection) && k.channel() instanceof SocketChannel other
                    && address.equals(PeerAddress.countedFor(other))) {
                count++;
            }
        }
        return count;
    }

    private static void closeQuietly(java.nio.channels.@Nullable Channel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
