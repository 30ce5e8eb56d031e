package io.pipc.transport.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.pipc.AuthenticationException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Readiness;
import io.pipc.Transport;
import io.pipc.transport.Deadline;
import io.pipc.transport.RefusalLog;
import io.pipc.transport.SharedThreads;
import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PipeServer} over a listening socket, Unix domain or TCP. The listening socket sits
 * on one event loop; each client's connection is handed to a loop in turn and runs its
 * handshake there, so a slow or hostile client costs no thread. Clients whose handshake
 * succeeded wait in a queue for {@link #accept()}.
 *
 * <p>Limits keep unauthenticated connections from starving the server ({@link ConnectionLimits}):
 * at most {@link PipeOptions#maxConnections()} clients past their handshake (waiting to be
 * accepted, or accepted and not yet closed), further ones refused; apart from them, at most
 * {@link PipeOptions#maxHandshakingConnections()} in their handshake, beyond which the server
 * stops accepting until one finishes (new connections wait in the listen backlog); and at most
 * {@link PipeOptions#maxHandshakingConnectionsPerAddress()} in their handshake from one IP
 * address (TCP, loopback exempt: {@link PeerAddress}), further ones from there refused at once.
 * All clients' unread and partial messages together are bounded by
 * {@link PipeOptions#maxInboundBuffer()} ({@link InboundBudget}).
 *
 * <p>Every client closed before the application could accept it is counted in
 * {@link #refusedConnections()} and logged, without flooding the log ({@link RefusalLog});
 * those refused by a limit are also counted in {@link #refusedOverLimits()}, and those that
 * failed to authenticate (a wrong or missing secret, an untrusted or missing certificate) in
 * {@link #authenticationFailures()}.
 */
public final class SocketServer implements PipeServer, EventLoop.Handler {

    private static final Logger log = LoggerFactory.getLogger(SocketServer.class);

    /** What a transport adds to a bare accepted socket: checks, options, a conduit. */
    public interface Admission {
        /**
         * Checks and prepares an accepted socket (peer credentials, socket options, TLS).
         *
         * @param socket the accepted socket, non-blocking
         * @return the conduit its bytes go through
         * @throws PipeException to refuse the client; the socket is then closed
         * @throws IOException when the socket fails
         */
        Conduit admit(SocketChannel socket) throws IOException;

        /**
         * @param socket an accepted socket
         * @return who is at the other end, for names and errors
         */
        String describe(SocketChannel socket);
    }

    private final String name;
    private final Transport transport;
    private final PipeOptions options;
    private final ServerSocketChannel listener;
    private final SocketAddress address;
    private final Admission admission;
    private final SharedThreads.Lease<EventLoopGroup> loops;
    private final EventLoop loop;
    /** Guards {@link #clients} and {@link #waiting}, the server's one record of its clients. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    /** Every client's pipe whose socket is open, in its handshake, waiting, or handed out. */
    private final Set<SocketPipe> clients = new LinkedHashSet<>();
    /** The clients past their handshake that {@link #accept()} has not taken yet, in that order. */
    private final ArrayDeque<SocketPipe> waiting = new ArrayDeque<>();
    private final ConnectionLimits limits;
    private final InboundBudget budget;
    private final RefusalLog refusals;
    private final AtomicInteger counter = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong refusedOverLimits = new AtomicLong();
    private final AtomicLong authenticationFailures = new AtomicLong();
    private final Readiness readiness;
    private final Runnable onClose;
    private volatile boolean closed;
    /** False once {@link #stopListening()} (or {@link #close()}) ended the listening socket. */
    private volatile boolean listening = true;
    private final java.util.concurrent.atomic.AtomicBoolean listenerClosed = new java.util.concurrent.atomic.AtomicBoolean();
    private @Nullable SelectionKey key;
    /** Loop only: accepting stopped because {@code maxHandshakingConnections} clients are in their handshake. */
    private boolean acceptPaused;
    /** Loop only: whether a pause was logged as a warning already (later ones go to debug). */
    private boolean pauseWarned;
    /** Guards {@link #full} and {@link #refusedWhileFull}. */
    private final Object fullLock = new Object();
    /** Whether a client was refused at {@code maxConnections} since the server last took one: a burst. */
    private volatile boolean full;
    /** Refusals at {@code maxConnections} in this burst after the first, which alone was logged. */
    private long refusedWhileFull;

    private SocketServer(String name, Transport transport, PipeOptions options, ServerSocketChannel listener,
            Admission admission, Runnable onClose) throws IOException {
        this.name = name;
        this.transport = transport;
        this.options = options;
        this.listener = listener;
        this.address = listener.getLocalAddress();
        this.admission = admission;
        this.onClose = onClose;
        this.loops = EventLoopGroup.acquire(options.threadFactory());
        this.loop = EventLoopGroup.nextOf(loops);
        this.readiness = new Readiness(() -> closed || hasAccepted() || (!listening && handshaking() == 0));
        this.limits = new ConnectionLimits(options, () -> loop.execute(this::resumeAccepting));
        this.budget = new InboundBudget(options.maxInboundBuffer());
        this.refusals = new RefusalLog(log, "server '" + name + "' on " + address);
    }

    /**
     * Starts serving a bound, listening socket.
     *
     * @param name the server's name; clients' pipes are named {@code <name>#<n>}
     * @param transport UNIX or TCP
     * @param options for every client's pipe, and maxConnections
     * @param listener bound and listening
     * @param admission checks and prepares each client's socket
     * @param onClose run once when the server closes (e.g. to remove a socket file)
     * @return the server
     * @throws IOException when the socket cannot be served
     */
    public static SocketServer start(String name, Transport transport, PipeOptions options, ServerSocketChannel listener,
            Admission admission, Runnable onClose) throws IOException {
        listener.configureBlocking(false);
        SocketServer server = new SocketServer(name, transport, options, listener, admission, onClose);
        CompletableFuture<Void> registered = new CompletableFuture<>();
        server.loop.execute(() -> {
            try {
                server.key = server.loop.register(listener, SelectionKey.OP_ACCEPT, server);
                registered.complete(null);
            } catch (IOException e) {
                registered.completeExceptionally(e);
            }
        });
        try {
            registered.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.abandon();
            throw new IOException("interrupted while starting server " + name, e);
        } catch (java.util.concurrent.ExecutionException e) {
            server.abandon();
            Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
            throw new IOException("cannot serve " + name + ": " + cause.getMessage(), cause);
        }
        log.debug("server '{}' listening on {}", name, server.address);
        return server;
    }

    @Override
    public Pipe accept() {
        return take(Long.MAX_VALUE, null);
    }

    @Override
    public Pipe accept(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return take(Deadline.toNanos(timeout), timeout);
    }

    private Pipe take(long nanos, @Nullable Duration timeout) {
        long remaining = nanos;
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new PipeClosedException("server '" + name + "' on " + address + " is closed");
                }
                SocketPipe pipe = waiting.pollFirst();
                if (pipe != null) {
                    pipe.handOut();
                    return pipe;
                }
                if (!listening && handshaking() == 0) {
                    throw new PipeClosedException("server '" + name + "' on " + address
                            + " stopped listening, and every client that connected has been accepted");
                }
                if (remaining <= 0) {
                    throw new PipeTimeoutException("server '" + name + "' on " + address + ": no client arrived within " + timeout);
                }
                if (remaining == Long.MAX_VALUE) {
                    arrived.await();
                } else {
                    remaining = arrived.awaitNanos(remaining);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipeException("server '" + name + "': interrupted while accepting", e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SocketAddress address() {
        return address;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    /**
     * @return clients held now: in their handshake, waiting to be accepted, or accepted and open
     */
    public int connections() {
        return limits.held();
    }

    /**
     * @return bytes held now for all clients together: received messages not yet read, messages
     *         that have begun to arrive, and the room a read under way has claimed; bounded by
     *         {@link PipeOptions#maxInboundBuffer()}
     */
    @Override
    public long bufferedBytes() {
        return budget.held();
    }

    /**
     * @return clients closed before the application could accept them, since the server
     *         started: over {@code maxConnections}, refused by the transport's admission checks,
     *         or whose handshake failed or timed out (authentication failures included)
     */
    @Override
    public long refusedConnections() {
        return refused.get();
    }

    /**
     * @return clients refused since the server started because a limit was reached:
     *         {@code maxConnections} clients past their handshake, or
     *         {@code maxHandshakingConnectionsPerAddress} in their handshake from the same
     *         address; also counted in {@link #refusedConnections()}
     */
    @Override
    public long refusedOverLimits() {
        return refusedOverLimits.get();
    }

    /**
     * @return clients whose authentication failed since the server started: a wrong or
     *         missing secret, a replayed or reflected handshake, an untrusted or missing TLS
     *         certificate; also counted in {@link #refusedConnections()}
     */
    @Override
    public long authenticationFailures() {
        return authenticationFailures.get();
    }

    /**
     * Closes the server and every client's pipe, accepted or not: each says goodbye after
     * what was already written to it, without waiting (the event loops finish within each
     * pipe's write timeout). {@link #close()} alone leaves accepted pipes open; this is the
     * way to end a server and its clients together, as on shutdown.
     */
    public void closeWithClients() {
        close();
        for (SocketPipe pipe : clients(false)) {
            pipe.closeWithoutWaiting();
        }
    }

    @Override
    public void stopListening() {
        lock.lock();
        try {
            if (closed || !listening) {
                return;
            }
            listening = false;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        readiness.signal();
        closeListener();
        log.debug("server '{}' on {} stopped listening", name, address);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            listening = false;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        readiness.signal();
        closeListener();
        // Clients the application never took are told goodbye; accepted pipes stay open.
        for (SocketPipe pipe : clients(true)) {
            pipe.closeWithoutWaiting();
        }
        refusals.end();
        fullBurstEnded("closed");
        log.debug("server '{}' on {} closed", name, address);
    }

    /** The server never started: the caller cleans up what it made, the loop is let go. */
    private void abandon() throws IOException {
        listenerClosed.set(true);
        loops.release();
        listener.close();
    }

    private void closeListener() {
        if (!listenerClosed.compareAndSet(false, true)) {
            return;
        }
        loop.execute(() -> {
            loop.forget(this);
            if (key != null) {
                key.cancel();
            }
            try {
                listener.close();
            } catch (IOException e) {
                log.debug("server '{}': closing the listening socket failed: {}", name, e.getMessage());
            }
            onClose.run();
            loops.release();
        });
    }

    @Override
    public void ready(SelectionKey readyKey) {
        for (int i = 0; i < 64 && listening; i++) {
            if (limits.handshakesFull()) {
                pauseAccepting();
                return;
            }
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                refusals.warn(System.nanoTime(), "server '" + name + "' on " + address + ": accept failed: "
                        + e.getMessage());
                return;
            }
            if (socket == null) {
                return;
            }
            admit(socket);
        }
    }

    /** On the loop: enough clients are in their handshake; the rest wait in the listen backlog. */
    private void pauseAccepting() {
        SelectionKey k = key;
        if (acceptPaused || k == null || !k.isValid()) {
            return;
        }
        acceptPaused = true;
        k.interestOps(0);
        String message = "server '" + name + "' on " + address + ": " + options.maxHandshakingConnections()
                + " clients are in their handshake (maxHandshakingConnections); new connections wait until one finishes";
        if (pauseWarned) {
            log.debug(message);
        } else {
            pauseWarned = true;
            log.warn("{} (logged once; later pauses at debug level)", message);
        }
    }

    /** On the loop: a client left its handshake, so there may be room to accept again. */
    private void resumeAccepting() {
        SelectionKey k = key;
        if (!acceptPaused || !listening || k == null || !k.isValid() || limits.handshakesFull()) {
            return;
        }
        acceptPaused = false;
        k.interestOps(SelectionKey.OP_ACCEPT);
    }

    private void admit(SocketChannel socket) {
        String peer = "peer " + admission.describe(socket);
        InetAddress origin = PeerAddress.countedFor(socket);
        ConnectionLimits.Refusal over = limits.refusal(origin);
        if (over != null) {
            refusedOverLimits.incrementAndGet();
            if (over == ConnectionLimits.Refusal.MAX_CONNECTIONS) {
                refused.incrementAndGet();
                refusedWhenFull(peer);
                SocketChannels.closeQuietly(socket);
                return;
            }
            refuse(socket, peer, "maxHandshakingConnectionsPerAddress=" + options.maxHandshakingConnectionsPerAddress()
                    + " connections from " + (origin == null ? "there" : origin.getHostAddress())
                    + " are in their handshake already");
            return;
        }
        ConnectionLimits.Slot slot = limits.admit(origin);
        Conduit conduit;
        try {
            socket.configureBlocking(false);
            conduit = admission.admit(socket);
        } catch (IOException | PipeException e) {
            slot.release();
            if (e instanceof AuthenticationException) {
                authenticationFailures.incrementAndGet();
            }
            refuse(socket, peer, e.getMessage());
            return;
        }
        String pipeName = name + "#" + counter.incrementAndGet();
        SocketPipe pipe = SocketPipe.create(pipeName, transport, options, Role.ACCEPTOR, conduit, false, peer,
                new SocketPipe.Listener() {
                    @Override
                    public void established(SocketPipe established) {
                        if (queue(established, slot)) {
                            return;
                        }
                        // Others finished their handshake first, and took the last places.
                        refused.incrementAndGet();
                        refusedOverLimits.incrementAndGet();
                        refusedWhenFull(peer + " after its handshake");
                        established.closeWithoutWaiting();
                    }

                    @Override
                    public void released(SocketPipe gone) {
                        // A client that finished before accept() stays queued: what it sent is still to be read.
                        slot.release();
                        boolean wake;
                        lock.lock();
                        try {
                            clients.remove(gone);
                            // One fewer handshake to wait for: an accept() may now be done waiting.
                            wake = !listening;
                            if (wake) {
                                arrived.signalAll();
                            }
                        } finally {
                            lock.unlock();
                        }
                        if (wake) {
                            readiness.signal();
                        }
                    }
                }, Deadline.after(options.handshakeTimeout()), budget);
        // Tracked before it can read or write: accept() and close() must never miss a connected client.
        lock.lock();
        try {
            clients.add(pipe);
        } finally {
            lock.unlock();
        }
        pipe.begin();
        pipe.established().whenComplete((ok, failure) -> {
            if (failure != null) {
                refusedAfterHandshake(peer, failure);
            }
        });
    }

    /** Closes a client at once, before its handshake began; counted and logged. */
    private void refuse(SocketChannel socket, String peer, @Nullable String why) {
        refused.incrementAndGet();
        refusals.warn(System.nanoTime(), "server '" + name + "' on " + address + ": refused " + peer + ": " + why);
        SocketChannels.closeQuietly(socket);
    }

    /**
     * A client refused because the server holds {@code maxConnections} clients: logged once per
     * burst, naming the limit and how to raise it; the rest of the burst is counted, and told in
     * one line when the server takes a client again (or closes).
     */
    private void refusedWhenFull(String peer) {
        boolean first;
        synchronized (fullLock) {
            first = !full;
            full = true;
            if (!first) {
                refusedWhileFull++;
            }
        }
        if (first) {
            log.warn("server '{}' on {}: refused {}: it already holds maxConnections={} clients; more refused while it"
                    + " stays full are counted and told in one line when it takes a client again (raise"
                    + " PipeOptions.maxConnections, or pipc.servers.<name>.max-connections, to hold more)",
                    name, address, peer, options.maxConnections());
        }
    }

    /** The server took a client, or closes: a burst of refusals at {@code maxConnections} is over. */
    private void fullBurstEnded(String how) {
        if (!full) {
            return;
        }
        long more;
        synchronized (fullLock) {
            if (!full) {
                return;
            }
            full = false;
            more = refusedWhileFull;
            refusedWhileFull = 0;
        }
        if (more > 0) {
            log.warn("server '{}' on {}: refused {} more {} at maxConnections={} before it {}", name, address, more,
                    more == 1 ? "client" : "clients", options.maxConnections(), how);
        }
    }

    private void refusedAfterHandshake(String peer, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (closed && cause instanceof PipeClosedException) {
            return; // dropped by our own close, not refused
        }
        refused.incrementAndGet();
        if (cause instanceof AuthenticationException) {
            authenticationFailures.incrementAndGet();
            refusals.warn(System.nanoTime(), "server '" + name + "' on " + address + ": " + peer
                    + " failed to authenticate: " + cause.getMessage());
        } else {
            refusals.info(System.nanoTime(), "server '" + name + "' on " + address + ": " + peer
                    + " failed its handshake: " + cause.getMessage());
        }
    }

    /**
     * Moves a client past its handshake and into the queue for {@link #accept()}, in one step
     * under the lock, so that an accept never sees it neither handshaking nor waiting.
     *
     * @return false when {@code maxConnections} clients are past their handshake already
     */
    private boolean queue(SocketPipe pipe, ConnectionLimits.Slot slot) {
        boolean closedMeanwhile;
        lock.lock();
        try {
            if (!slot.establish()) {
                return false;
            }
            closedMeanwhile = closed;
            if (!closedMeanwhile) {
                waiting.addLast(pipe);
                arrived.signal();
            }
        } finally {
            lock.unlock();
        }
        if (closedMeanwhile) {
            pipe.closeWithoutWaiting();
        } else {
            fullBurstEnded("took a client again");
            readiness.signal();
        }
        return true;
    }

    /** Clients connected whose handshake is still running. */
    private int handshaking() {
        return limits.handshaking();
    }

    private boolean hasAccepted() {
        lock.lock();
        try {
            return !waiting.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param notHandedOutOnly only those the application has not accepted
     * @return a copy of the clients whose sockets are open
     */
    private List<SocketPipe> clients(boolean notHandedOutOnly) {
        lock.lock();
        try {
            return clients.stream().filter(pipe -> !notHandedOutOnly || !pipe.isHandedOut()).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void tick(long nowNanos) {
        // Clients' deadlines are their own; the listening socket has only its log's summaries.
        refusals.flush(nowNanos);
    }


    @Override
    public String toString() {
        return "SocketServer[" + name + ", " + address + (closed ? ", closed" : "") + "]";
    }
}
