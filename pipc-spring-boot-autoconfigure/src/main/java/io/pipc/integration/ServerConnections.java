package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.pipc.AuthenticationException;
import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeServer;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionFailedEvent;
import io.pipc.integration.event.PipeConnectionOpenedEvent;
import io.pipc.integration.event.PipeEvent;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;

/**
 * The clients of one {@link PipeServer}: accepts them, gives each a connection id, reads each
 * on its own thread into the server's inbound endpoint, and writes to any of them by id. The
 * counterpart of Spring Integration's server connection factories; an inbound adapter or
 * gateway and an outbound adapter of one server share one instance.
 *
 * <p>It starts accepting after the inbound endpoints have started (its phase is later) and,
 * on stop, before they stop: it closes the server so that no new client arrives, lets every
 * connection hand over the messages already queued and the endpoint finish them (replies
 * included) within the shutdown grace period, then closes each connection, which tells the
 * client goodbye. The accepting thread is not a daemon, so that an application whose only
 * work is serving clients keeps running while the server is open.
 */
public final class ServerConnections implements SmartLifecycle, ApplicationEventPublisherAware {

    /** Later than inbound endpoints ({@code Integer.MAX_VALUE / 2}): accept once they can take messages. */
    public static final int DEFAULT_PHASE = Integer.MAX_VALUE / 2 + 1024;

    private static final Logger logger = LoggerFactory.getLogger(ServerConnections.class);

    /** Pause after a failed accept, so that a server failing at once does not spin. */
    private static final long ACCEPT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final SharedPipeServer server;

    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    private final AtomicLong connectionCount = new AtomicLong();

    private final Object lifecycleMonitor = new Object();

    private volatile @Nullable MessageReceiver receiver;

    private @Nullable String receiverOwner;

    private volatile Duration shutdownGracePeriod = Duration.ofSeconds(10);

    private volatile PipeMetrics metrics = PipeMetrics.NONE;

    private volatile @Nullable ApplicationEventPublisher eventPublisher;

    private volatile boolean running;

    private int phase = DEFAULT_PHASE;

    private boolean autoStartup = true;

    private @Nullable Thread acceptor;

    /**
     * @param server the server whose clients to accept; nothing else may accept them
     */
    public ServerConnections(PipeServer server) {
        this.server = SharedPipeServer.of(Objects.requireNonNull(server, "server"));
    }

    /**
     * @return the server
     */
    public SharedPipeServer getServer() {
        return this.server;
    }

    /**
     * @param shutdownGracePeriod how long a stop may take to finish the messages already
     *        received; default 10 seconds
     */
    public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
        if (shutdownGracePeriod.isNegative()) {
            throw new IllegalArgumentException("shutdownGracePeriod must not be negative (was " + shutdownGracePeriod
                    + ")");
        }
        this.shutdownGracePeriod = shutdownGracePeriod;
    }

    /**
     * @param metrics where to report messages, connections and failures
     */
    public void setMetrics(PipeMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher applicationEventPublisher) {
        this.eventPublisher = applicationEventPublisher;
    }

    /**
     * @param phase when to start and stop, among the context's lifecycle beans
     */
    public void setPhase(int phase) {
        this.phase = phase;
    }

    /**
     * @param autoStartup whether to start accepting when the context starts
     */
    public void setAutoStartup(boolean autoStartup) {
        this.autoStartup = autoStartup;
    }

    /**
     * @return the ids of the clients connected now
     */
    public Set<String> getConnectionIds() {
        return Set.copyOf(this.connections.keySet());
    }

    /**
     * @param connectionId a client's connection id
     * @return whether that client is connected
     */
    public boolean isConnected(String connectionId) {
        Connection connection = this.connections.get(connectionId);
        return connection != null && connection.pipe.isOpen();
    }

    /**
     * Writes a message to one client.
     *
     * @param connectionId the client's connection id, from the {@link PipcHeaders#CONNECTION_ID} header
     * @param message the message
     * @throws PipeClosedException when that client is gone (or never was); nothing was written
     */
    public void send(String connectionId, Envelope message) {
        Connection connection = this.connections.get(connectionId);
        if (connection == null || !connection.pipe.isOpen()) {
            throw new PipeClosedException("server '" + this.server.name() + "' has no client connection '"
                    + connectionId + "': the client is gone (it closed, or the connection failed) or never existed;"
                    + " the message was not sent");
        }
        write(connection, message);
    }

    @Override
    public int getPhase() {
        return this.phase;
    }

    @Override
    public boolean isAutoStartup() {
        return this.autoStartup;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public void start() {
        synchronized (this.lifecycleMonitor) {
            if (this.running) {
                return;
            }
            this.server.claimAccepting("connections of server '" + this.server.name() + "'");
            this.server.open();
            this.running = true;
            Thread thread = new Thread(this::acceptClients, "pipc-server-" + this.server.name());
            // Not a daemon: a server keeps the application running, the way a web server does.
            thread.setDaemon(false);
            this.acceptor = thread;
            thread.start();
        }
    }

    @Override
    public void stop() {
        synchronized (this.lifecycleMonitor) {
            if (!this.running) {
                return;
            }
            this.running = false;
        }
        shutDown();
    }

    @Override
    public void stop(Runnable callback) {
        synchronized (this.lifecycleMonitor) {
            if (!this.running) {
                callback.run();
                return;
            }
            this.running = false;
        }
        // Servers drain in parallel, each within its own grace period.
        Thread stopper = new Thread(() -> {
            try {
                shutDown();
            }
            finally {
                callback.run();
            }
        }, "pipc-server-" + this.server.name() + "-shutdown");
        stopper.start();
    }

    /**
     * @param owner names the endpoint, for errors
     * @param receiver gets every message any client sends
     * @throws IllegalStateException when the server already has an inbound endpoint
     */
    synchronized void registerReceiver(String owner, MessageReceiver receiver) {
        if (this.receiverOwner != null) {
            throw new IllegalStateException("server '" + this.server.name() + "' already has an inbound endpoint, '"
                    + this.receiverOwner + "'; '" + owner + "' cannot read its clients too");
        }
        this.receiverOwner = owner;
        this.receiver = receiver;
    }

    PipeMetrics metrics() {
        return this.metrics;
    }

    PipeMetrics.Origin origin() {
        return new PipeMetrics.Origin(this.server.name(), this.server.transport(), PipeMetrics.Role.SERVER);
    }

    private void acceptClients() {
        PipeServer listening = this.server.open();
        while (this.running) {
            Pipe pipe;
            try {
                pipe = listening.accept();
            }
            catch (PipeClosedException ex) {
                break;
            }
            catch (AuthenticationException ex) {
                logger.warn("server '{}' refused a client: {}", this.server.name(), ex.getMessage());
                this.metrics.failure(origin(), PipeMetrics.Failure.AUTHENTICATION);
                publish(new PipeConnectionFailedEvent(this, this.server.name(), this.server.transport(), null, ex));
                continue;
            }
            catch (PipeException ex) {
                if (!this.running || !listening.isOpen()) {
                    break;
                }
                logger.warn("server '{}' could not accept a client: {}", this.server.name(), ex.toString());
                this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
                publish(new PipeConnectionFailedEvent(this, this.server.name(), this.server.transport(), null, ex));
                LockSupport.parkNanos(ACCEPT_RETRY_NANOS);
                continue;
            }
            if (!this.running) {
                pipe.close();
                break;
            }
            connected(pipe);
        }
    }

    private void connected(Pipe pipe) {
        String id = this.server.name() + "-" + this.connectionCount.incrementAndGet();
        Connection connection = new Connection(id, pipe);
        this.connections.put(id, connection);
        logger.debug("server '{}': client connection '{}' opened", this.server.name(), id);
        this.metrics.connectionOpened(origin());
        publish(new PipeConnectionOpenedEvent(this, this.server.name(), this.server.transport(), id));
        MessageReceiver current = this.receiver;
        if (current != null) {
            PipeReader reader = new PipeReader("client connection '" + id + "' of server '" + this.server.name() + "'",
                    "pipc-" + id, pipe, (message) -> deliver(current, connection, message),
                    (cause) -> ended(connection, cause));
            connection.reader = reader;
            reader.start();
        }
    }

    private void deliver(MessageReceiver current, Connection connection, Envelope message) {
        this.metrics.messageReceived(origin(), message.payload().length);
        current.receive(new ReceivedMessage(message, origin(), connection.id, (reply) -> write(connection, reply)));
    }

    private void write(Connection connection, Envelope message) {
        connection.pipe.write(message);
        this.metrics.messageSent(origin(), message.payload().length);
    }

    /** A connection's reader ended by itself: the client went away, or the connection broke. */
    private void ended(Connection connection, @Nullable PipeException cause) {
        if (cause == null || this.connections.remove(connection.id) == null) {
            return;
        }
        connection.pipe.close();
        this.metrics.connectionClosed(origin());
        if (cause instanceof PeerClosedException || cause instanceof PeerDisconnectedException
                || cause instanceof PipeClosedException) {
            logger.debug("server '{}': client connection '{}' ended: {}", this.server.name(), connection.id,
                    cause.getMessage());
            publish(new PipeConnectionClosedEvent(this, this.server.name(), this.server.transport(), connection.id,
                    String.valueOf(cause.getMessage())));
        }
        else {
            logger.warn("server '{}': client connection '{}' broke: {}", this.server.name(), connection.id,
                    cause.toString());
            this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
            publish(new PipeConnectionFailedEvent(this, this.server.name(), this.server.transport(), connection.id,
                    cause));
        }
    }

    private void shutDown() {
        long deadline = System.nanoTime() + this.shutdownGracePeriod.toNanos();
        this.server.close();
        List<Connection> open = new ArrayList<>(this.connections.values());
        for (Connection connection : open) {
            if (connection.reader != null) {
                connection.reader.requestStop();
            }
        }
        boolean drained = true;
        for (Connection connection : open) {
            if (connection.reader != null) {
                drained &= connection.reader.awaitStop(deadline);
            }
        }
        MessageReceiver current = this.receiver;
        if (current != null) {
            drained &= current.awaitIdle(deadline);
        }
        for (Connection connection : open) {
            if (this.connections.remove(connection.id) != null) {
                connection.pipe.close();
                this.metrics.connectionClosed(origin());
                publish(new PipeConnectionClosedEvent(this, this.server.name(), this.server.transport(), connection.id,
                        "server '" + this.server.name() + "' stopped"));
            }
        }
        Thread thread = this.acceptor;
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(1));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        logger.info("server '{}' stopped: {} client connections closed{}", this.server.name(), open.size(),
                drained ? "" : " (the grace period of " + this.shutdownGracePeriod + " ran out before every message"
                        + " received was handled)");
    }

    private void publish(PipeEvent event) {
        ApplicationEventPublisher publisher = this.eventPublisher;
        if (publisher != null) {
            try {
                publisher.publishEvent(event);
            }
            catch (RuntimeException ex) {
                logger.warn("server '{}': a listener of {} failed: {}", this.server.name(), event, ex.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "ServerConnections[" + this.server.name() + ", " + this.connections.size() + " clients]";
    }

    /** One client: its pipe and the reader that feeds the inbound endpoint. */
    private static final class Connection {

        final String id;

        final Pipe pipe;

        volatile @Nullable PipeReader reader;

        Connection(String id, Pipe pipe) {
            this.id = id;
            this.pipe = pipe;
        }
    }
}
