package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

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
import io.pipc.transport.RefusalLog;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.TaskExecutor;

/**
 * The clients of one {@link PipeServer}: accepts them, gives each a connection id, hands their
 * messages to the server's inbound endpoint, and writes to any of them by id. The counterpart
 * of Spring Integration's server connection factories; an inbound adapter or gateway and an
 * outbound adapter of one server share one instance.
 *
 * <p>The server's event loops hand each client's decoded messages straight to the
 * connections' {@link ClientDispatcher} (the server is opened with it as its
 * {@link io.pipc.MessageSink}: the starter does so, and {@link SharedPipeServer#messageSink()}
 * gives it to a server opened by hand), and tasks on a Spring {@link TaskExecutor} hand them to
 * the endpoint: the one {@linkplain #setTaskExecutor set} (the starter's default is built the
 * Boot way, so {@code spring.threads.virtual.enabled} and task decorators apply), or else a pool
 * of {@linkplain #setHandlerThreads handler threads} of their own. An inbound adapter gets one
 * batch per client at a time, so each client's messages arrive in order; a gateway gets each
 * request as a task of its own, up to its max-in-flight per client, since its replies are matched
 * by correlation id. A client at its bound stops being read (its writes wait) without holding up
 * the others; a slow flow for one client does not hold up the others, and a server with a
 * thousand clients does not have a thousand threads. A server opened without the dispatcher
 * still works, with a reading thread per client.
 *
 * <p>It starts accepting after the inbound endpoints have started (its phase is later) and,
 * on stop, before they stop, it shuts down without losing a message: it closes the server so
 * that no new client arrives, asks every client to stop sending ({@link Pipe#stopReceiving()}),
 * goes on handling what they sent until each client's input has ended, waits for the
 * endpoint's replies to go out, and then closes each connection, which tells the client
 * goodbye; all within the shutdown grace period. A client that writes after it was asked to
 * stop gets an exception: its message stays with it. The accepting thread is not a daemon, so
 * that an application whose only work is serving clients keeps running while the server is open;
 * once stopped, the server has no accepting thread left.
 *
 * <p>In an application context, {@link PipcShutdown} stops every server's connections before
 * anything else of pipc's, and waits for the last of them.
 */
public final class ServerConnections implements SmartLifecycle, ApplicationEventPublisherAware {

    /** Later than inbound endpoints ({@code Integer.MAX_VALUE / 2}): accept once they can take messages. */
    public static final int DEFAULT_PHASE = Integer.MAX_VALUE / 2 + 1024;

    private static final Logger logger = LoggerFactory.getLogger(ServerConnections.class);

    private final SharedPipeServer server;

    /** Broken connections and failed accepts: a flood of bad clients must not flood the log. */
    private final RefusalLog failures;

    private final Map<String, ClientConnection> connections = new ConcurrentHashMap<>();

    private final AtomicLong connectionCount = new AtomicLong();

    private final Object lifecycleMonitor = new Object();

    private volatile @Nullable MessageReceiver receiver;

    private @Nullable String receiverOwner;

    private volatile Duration shutdownGracePeriod = Duration.ofSeconds(10);

    private volatile int handlerThreads = 64;

    private volatile PipeMetrics metrics = PipeMetrics.NONE;

    private volatile @Nullable ApplicationEventPublisher eventPublisher;

    private volatile boolean running;

    /** The shutdown, once begun. */
    private volatile @Nullable CompletableFuture<Void> stopped;

    private int phase = DEFAULT_PHASE;

    private boolean autoStartup = true;

    /** Takes the clients' messages from the server's event loops; the server's {@link io.pipc.MessageSink}. */
    private final ClientDispatcher dispatcher;

    private boolean started;

    private volatile @Nullable Executor taskExecutor;

    private volatile @Nullable Function<Integer, TaskExecutor> taskExecutorFactory;

    /** The executor made at start when none was set; shut down after the drain. */
    private @Nullable TaskExecutor ownExecutor;

    /**
     * @param server the server whose clients to accept; nothing else may accept them
     */
    public ServerConnections(PipeServer server) {
        this.server = SharedPipeServer.of(Objects.requireNonNull(server, "server"));
        this.failures = new RefusalLog(logger, "server '" + this.server.name() + "'",
                (count) -> count + " more client " + ((count == 1) ? "connection" : "connections") + " failed");
        this.dispatcher = new ClientDispatcher("server '" + this.server.name() + "'", new Clients());
        this.server.dispatchTo(this.dispatcher);
    }

    /**
     * @return the server
     */
    public SharedPipeServer getServer() {
        return this.server;
    }

    /**
     * @param shutdownGracePeriod how long a stop may take to hand over what the clients sent
     *        and write the replies; default 10 seconds
     */
    public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
        if (shutdownGracePeriod.isNegative()) {
            throw new IllegalArgumentException("shutdownGracePeriod must not be negative (was " + shutdownGracePeriod
                    + ")");
        }
        this.shutdownGracePeriod = shutdownGracePeriod;
    }

    /**
     * @param handlerThreads how many tasks the executor these connections make when no
     *        {@linkplain #setTaskExecutor task executor} is set runs at once (an
     *        {@link ElasticTaskExecutor}: threads made as needed, the most recently idle reused
     *        first, ended after a minute idle; a quick task waits for a busy thread that will soon
     *        be free, and tasks beyond the limit wait in order); default 64. Raise it
     *        when flows block for long.
     */
    public void setHandlerThreads(int handlerThreads) {
        if (handlerThreads < 1) {
            throw new IllegalArgumentException("handlerThreads must be at least 1 (was " + handlerThreads + ")");
        }
        this.handlerThreads = handlerThreads;
    }

    /**
     * @param taskExecutor runs the tasks that hand clients' messages to the endpoint; these
     *        connections do not shut it down. Unset, they make a pool of
     *        {@linkplain #setHandlerThreads handler threads} of their own.
     */
    public void setTaskExecutor(Executor taskExecutor) {
        this.taskExecutor = Objects.requireNonNull(taskExecutor, "taskExecutor");
    }

    /**
     * @param taskExecutorFactory when no {@linkplain #setTaskExecutor task executor} is set,
     *        makes the one these connections use, given the {@linkplain #setHandlerThreads handler
     *        threads}; they initialize it at start and shut it down after their drain. Unset, an
     *        {@link ElasticTaskExecutor} running that many tasks at once.
     */
    public void setTaskExecutorFactory(Function<Integer, TaskExecutor> taskExecutorFactory) {
        this.taskExecutorFactory = Objects.requireNonNull(taskExecutorFactory, "taskExecutorFactory");
    }

    /**
     * @return how long a stop may take
     */
    public Duration getShutdownGracePeriod() {
        return this.shutdownGracePeriod;
    }

    /**
     * @return the most threads handing clients' messages to the endpoint at once
     */
    public int getHandlerThreads() {
        return this.handlerThreads;
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
        ClientConnection connection = this.connections.get(connectionId);
        return connection != null && connection.pipe().isOpen();
    }

    /**
     * Writes a message to one client.
     *
     * @param connectionId the client's connection id, from the {@link PipcHeaders#CONNECTION_ID} header
     * @param message the message
     * @throws PipeClosedException when that client is gone (or never was); nothing was written
     */
    public void send(String connectionId, Envelope message) {
        ClientConnection connection = this.connections.get(connectionId);
        if (connection == null || !connection.pipe().isOpen()) {
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

    /**
     * @return whether it accepts clients, or is still handing over what they sent after a stop
     */
    @Override
    public boolean isRunning() {
        CompletableFuture<Void> stopping = this.stopped;
        return this.running || (stopping != null && !stopping.isDone());
    }

    @Override
    public void start() {
        synchronized (this.lifecycleMonitor) {
            if (this.running) {
                return;
            }
            if (this.stopped != null) {
                throw new IllegalStateException("connections of server '" + this.server.name() + "' cannot start again:"
                        + " stopping closed the server");
            }
            this.server.claimAccepting("connections of server '" + this.server.name() + "'");
            PipeServer listening = this.server.open();
            this.metrics.serverListening(origin(), this.server);
            Executor handlers = this.taskExecutor;
            if (handlers == null) {
                TaskExecutor own = makeOwnExecutor();
                this.ownExecutor = own;
                handlers = own;
            }
            this.started = true;
            this.running = true;
            this.dispatcher.start(listening, handlers, "pipc-server-" + this.server.name());
        }
    }

    /**
     * Shuts down without losing a message, as described above, and waits for it.
     */
    @Override
    public void stop() {
        stopping().join();
    }

    /**
     * Shuts down without losing a message, as described above, on a thread of its own; servers
     * drain in parallel, each within its own grace period. Asked again while it drains, it
     * calls back once the drain is over (a context stops an endpoint that depends on these
     * connections first, and the endpoint stops them).
     */
    @Override
    public void stop(Runnable callback) {
        stopping().whenComplete((done, failure) -> callback.run());
    }

    private CompletableFuture<Void> stopping() {
        synchronized (this.lifecycleMonitor) {
            CompletableFuture<Void> stopping = this.stopped;
            if (stopping != null) {
                return stopping;
            }
            if (!this.running) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> begun = new CompletableFuture<>();
            this.stopped = begun;
            this.running = false;
            PipcThreads.newThread("pipc-server-" + this.server.name() + "-shutdown", false, () -> {
                try {
                    shutDown();
                }
                finally {
                    begun.complete(null);
                }
            }).start();
            return begun;
        }
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

    private void write(ClientConnection connection, Envelope message) {
        connection.pipe().write(message);
        this.metrics.messageSent(origin(), message.payload().length);
    }

    private void shutDown() {
        long deadline = System.nanoTime() + this.shutdownGracePeriod.toNanos();
        boolean drained = !this.started || this.dispatcher.drain(this.server, deadline);
        MessageReceiver endpoint = this.receiver;
        if (endpoint != null) {
            drained &= endpoint.awaitIdle(deadline);
        }
        TaskExecutor own = this.ownExecutor;
        if (own != null) {
            shutDown(own);
        }
        // The drain stopped it listening; every client it had is taken now.
        this.server.close();
        List<ClientConnection> open = new ArrayList<>(this.connections.values());
        for (ClientConnection connection : open) {
            if (this.connections.remove(connection.id()) != null) {
                connection.pipe().close();
                this.metrics.connectionClosed(origin());
                publish(new PipeConnectionClosedEvent(this, this.server.name(), this.server.transport(), connection.id(),
                        "server '" + this.server.name() + "' stopped"));
            }
        }
        this.dispatcher.finish();
        this.failures.end();
        if (drained) {
            logger.info("server '{}' stopped: {} client connections closed after every message they sent was handled",
                    this.server.name(), open.size());
        }
        else {
            logger.warn("server '{}' stopped: {} client connections closed; the grace period of {} ran out before"
                    + " every message they sent was handled", this.server.name(), open.size(), this.shutdownGracePeriod);
        }
    }

    private TaskExecutor makeOwnExecutor() {
        Function<Integer, TaskExecutor> factory = this.taskExecutorFactory;
        TaskExecutor made;
        if (factory != null) {
            made = factory.apply(this.handlerThreads);
        }
        else {
            made = OwnExecutors.elastic("pipc-server-" + this.server.name() + "-handler-", this.handlerThreads);
        }
        return OwnExecutors.initialized(made, "server '" + this.server.name() + "'");
    }

    private void shutDown(TaskExecutor own) {
        OwnExecutors.shutDown(own, "server '" + this.server.name() + "'");
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

    /** What the dispatcher reports, on its accepting thread and on the handler tasks. */
    private final class Clients implements ClientDispatcher.Clients {

        @Override
        public void connected(ClientConnection connection) {
            String name = ServerConnections.this.server.name();
            String id = name + "-" + ServerConnections.this.connectionCount.incrementAndGet();
            MessageReceiver endpoint = ServerConnections.this.receiver;
            connection.accept(id, (endpoint != null) ? endpoint.maxInFlightPerConnection() : 1);
            ServerConnections.this.connections.put(id, connection);
            logger.debug("server '{}': client connection '{}' opened", name, id);
            ServerConnections.this.metrics.connectionOpened(origin());
            publish(new PipeConnectionOpenedEvent(ServerConnections.this, name, ServerConnections.this.server.transport(),
                    id));
        }

        @Override
        public void received(ClientConnection connection, Envelope message) {
            PipeMetrics.Origin origin = origin();
            ServerConnections.this.metrics.messageReceived(origin, message.payload().length);
            MessageReceiver endpoint = ServerConnections.this.receiver;
            if (endpoint == null) {
                ServerConnections.this.metrics.failure(origin, PipeMetrics.Failure.DROPPED);
                logger.warn("server '{}': dropped a message of {} bytes from client connection '{}': the server has no"
                        + " inbound endpoint", origin.name(), message.payload().length, connection.id());
                return;
            }
            try {
                endpoint.receive(new ReceivedMessage(message, origin, connection.id(),
                        (reply) -> write(connection, reply)));
            }
            catch (RuntimeException ex) {
                logger.warn("server '{}': the flow failed to handle a message of {} bytes from client connection '{}';"
                        + " reading goes on: {}", origin.name(), message.payload().length, connection.id(),
                        ex.toString());
            }
        }

        @Override
        public void ended(ClientConnection connection, PipeException cause) {
            if (ServerConnections.this.connections.remove(connection.id()) == null) {
                return;
            }
            connection.pipe().close();
            String name = ServerConnections.this.server.name();
            ServerConnections.this.metrics.connectionClosed(origin());
            if (cause instanceof PeerClosedException || cause instanceof PeerDisconnectedException
                    || cause instanceof PipeClosedException) {
                logger.debug("server '{}': client connection '{}' ended: {}", name, connection.id(), cause.getMessage());
                publish(new PipeConnectionClosedEvent(ServerConnections.this, name,
                        ServerConnections.this.server.transport(), connection.id(), String.valueOf(cause.getMessage())));
            }
            else {
                ServerConnections.this.failures.warn(System.nanoTime(), "server '" + name + "': client connection '"
                        + connection.id() + "' broke: " + cause);
                ServerConnections.this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
                publish(new PipeConnectionFailedEvent(ServerConnections.this, name,
                        ServerConnections.this.server.transport(), connection.id(), cause));
            }
        }

        @Override
        public void acceptFailed(PipeException failure) {
            String name = ServerConnections.this.server.name();
            ServerConnections.this.failures.warn(System.nanoTime(), "server '" + name + "' could not accept a client: "
                    + failure);
            ServerConnections.this.metrics.failure(origin(), PipeMetrics.Failure.CONNECTION);
            publish(new PipeConnectionFailedEvent(ServerConnections.this, name, ServerConnections.this.server.transport(),
                    null, failure));
        }

        @Override
        public void tick(long nowNanos) {
            ServerConnections.this.failures.flush(nowNanos);
        }
    }
}
