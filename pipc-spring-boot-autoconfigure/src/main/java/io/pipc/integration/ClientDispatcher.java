package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.pipc.Envelope;
import io.pipc.MessageSink;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a server's clients' messages to tasks on the server's {@link Executor}, straight from
 * the event loop that decoded them: the server is opened with this dispatcher as its
 * {@link MessageSink}, so there is no queue and no second selection over the clients in between.
 * For an inbound adapter each client's batch is one task at a time, so its messages keep their
 * order; for a gateway each request is a task of its own, up to the gateway's max-in-flight per
 * client, since replies are matched by correlation id. Messages taken while a client is at that
 * bound wait, up to its pipe's queue capacity, as the pipe's queue would hold them; beyond it the
 * client is paused by the sink's backpressure (its pipe stops reading, so its writes wait) and
 * resumed once what waited is handed to tasks; the other clients go on.
 *
 * <p>One thread accepts: it gives each client its connection id, and only then are the client's
 * messages taken (until then the pipe waits, paused). A server opened without this dispatcher
 * (by application code, with its own options) still works: each of its clients is read by a
 * thread of its own that offers each message here, and waits when the client is at its bound.
 *
 * <p>{@link #drain(long)} ends it without losing a message: stop listening, accept the clients
 * whose handshake is done, ask every client to stop sending ({@link Pipe#stopReceiving()}), and
 * go on handing over until each client's input has ended and its last message is handled, or
 * the deadline passes. A client that cannot be asked (the Python wire) is drained of what it had
 * sent.
 */
final class ClientDispatcher implements MessageSink {

    private static final Logger logger = LoggerFactory.getLogger(ClientDispatcher.class);

    /** How often the accepting thread wakes up to let {@link Clients#tick} sum up held-back log lines. */
    private static final Duration TICK = Duration.ofSeconds(10);

    /** Pause after a failed accept, so that a server failing at once does not spin. */
    private static final long ACCEPT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String description;

    private final Clients clients;

    /** Every client the server's pipes told of, until it is retired; looked up on each offer. */
    private final Map<Pipe, ClientConnection> byPipe = new ConcurrentHashMap<>();

    /** Accepted and not retired yet; guarded by this. */
    private final Set<ClientConnection> live = new LinkedHashSet<>();

    private volatile @Nullable Executor handlers;

    private @Nullable Thread acceptor;

    /** Guarded by this. */
    private boolean acceptingEnded;

    /** Guarded by this. */
    private boolean draining;

    /** The deadline passed: tasks stop between messages, nothing more is taken. */
    private volatile boolean halted;

    /**
     * @param description names the server in logs, e.g. "server 'api'"
     * @param clients told of clients and their messages
     */
    ClientDispatcher(String description, Clients clients) {
        this.description = Objects.requireNonNull(description, "description");
        this.clients = Objects.requireNonNull(clients, "clients");
    }

    /**
     * Starts accepting; messages are taken from then on.
     *
     * @param server the listening server; nothing else may accept
     * @param handlers runs the tasks that hand messages to the endpoint
     * @param threadName the accepting thread's name; it is not a daemon, so that a server keeps
     *        the application running the way a web server does
     */
    void start(PipeServer server, Executor handlers, String threadName) {
        this.handlers = Objects.requireNonNull(handlers, "handlers");
        Thread thread = PipcThreads.newThread(threadName, false, () -> accept(server));
        this.acceptor = thread;
        thread.start();
    }

    @Override
    public void attached(Pipe pipe, Runnable resume) {
        this.byPipe.put(pipe, new ClientConnection(pipe, resume));
    }

    @Override
    public int offer(Pipe pipe, List<Envelope> batch) {
        ClientConnection client = this.byPipe.get(pipe);
        if (client == null) {
            // Retired already: nothing reads it any more.
            return batch.size();
        }
        return take(client, batch);
    }

    @Override
    public void ended(Pipe pipe, PipeException ending) {
        ClientConnection client = this.byPipe.get(pipe);
        if (client != null) {
            ended(client, ending);
        }
    }

    /**
     * Ends dispatching without losing a message, as described above, and waits for it.
     *
     * @param server the server, to stop listening
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up
     * @return whether every client's input ended and every message received was handled in time
     */
    boolean drain(PipeServer server, long deadlineNanos) {
        List<ClientConnection> asking;
        synchronized (this) {
            this.draining = true;
            asking = new ArrayList<>(this.live);
        }
        // No new clients; those whose handshake is done are still accepted (and asked to stop like
        // the others) until accept() says none is left: they may have written already.
        server.stopListening();
        asking.forEach(this::askToStop);
        synchronized (this) {
            while (!this.acceptingEnded || !everyClientDone()) {
                long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                if (remainingMillis <= 0) {
                    this.halted = true;
                    logger.warn("{}: the shutdown grace period ran out before {} of its clients' input ended and was"
                            + " handled; what they sent since is dropped", this.description, this.live.size());
                    return false;
                }
                try {
                    wait(remainingMillis);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    this.halted = true;
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Once the server is closed: waits briefly for the accepting thread to end, so that a stopped
     * server has no thread left, and forgets every client.
     */
    void finish() {
        this.halted = true;
        Thread thread = this.acceptor;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(1));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        this.byPipe.clear();
    }

    private void accept(PipeServer server) {
        try {
            while (true) {
                Pipe pipe;
                try {
                    pipe = server.accept(TICK);
                }
                catch (PipeTimeoutException ex) {
                    this.clients.tick(System.nanoTime());
                    continue;
                }
                catch (PipeClosedException ex) {
                    // Stopped listening with every client taken, or closed: the clients here go on.
                    return;
                }
                catch (PipeException ex) {
                    this.clients.acceptFailed(ex);
                    LockSupport.parkNanos(ACCEPT_RETRY_NANOS);
                    continue;
                }
                accepted(pipe);
                this.clients.tick(System.nanoTime());
            }
        }
        catch (RuntimeException | Error ex) {
            logger.error("{}: accepting clients stopped by an unexpected failure", this.description, ex);
        }
        finally {
            synchronized (this) {
                this.acceptingEnded = true;
                notifyAll();
            }
        }
    }

    private void accepted(Pipe pipe) {
        ClientConnection known = this.byPipe.get(pipe);
        // Not told of by the server's pipes: a server opened without this dispatcher.
        ClientConnection client = (known != null) ? known : new ClientConnection(pipe, null);
        if (known == null) {
            this.byPipe.put(pipe, client);
        }
        this.clients.connected(client);
        synchronized (this) {
            this.live.add(client);
            if (this.draining) {
                askToStop(client);
            }
        }
        boolean resume;
        boolean retire;
        synchronized (client) {
            client.accepted = true;
            resume = client.paused;
            client.paused = false;
            retire = retirable(client);
        }
        if (known == null) {
            readOnItsOwnThread(client);
        }
        else if (resume) {
            client.resume.run();
        }
        if (retire) {
            retire(client);
        }
    }

    /**
     * @return how many messages from the front of {@code batch} were taken: handed to tasks, or
     *         waiting for one within the pipe's queue capacity
     */
    private int take(ClientConnection client, List<Envelope> batch) {
        List<List<Envelope>> tasks;
        int taken = 0;
        synchronized (client) {
            if (!client.accepted || this.halted) {
                client.paused = true;
                return 0;
            }
            for (Envelope message : batch) {
                if (!client.fits(message.payload().length)) {
                    break;
                }
                client.waiting.add(message);
                client.waitingBytes += message.payload().length;
                taken++;
            }
            if (taken < batch.size()) {
                client.paused = true;
            }
            tasks = startable(client);
        }
        tasks.forEach((messages) -> submit(() -> handle(client, messages)));
        return taken;
    }

    /**
     * Under the client's monitor: the tasks its bound lets start now, out of the messages
     * waiting: all of them as one task when it keeps their order and has none running, else one
     * task per message up to its max-in-flight.
     */
    private static List<List<Envelope>> startable(ClientConnection client) {
        if (client.waiting.isEmpty() || client.inFlight >= client.maxInFlight) {
            return List.of();
        }
        List<List<Envelope>> tasks = new ArrayList<>();
        if (client.maxInFlight == 1) {
            tasks.add(List.copyOf(client.waiting));
            client.waiting.clear();
            client.inFlight++;
        }
        else {
            while (client.inFlight < client.maxInFlight && !client.waiting.isEmpty()) {
                tasks.add(List.of(client.waiting.poll()));
                client.inFlight++;
            }
        }
        long bytes = 0;
        for (Envelope message : client.waiting) {
            bytes += message.payload().length;
        }
        client.waitingBytes = bytes;
        return tasks;
    }

    private void submit(Runnable task) {
        Executor executor = Objects.requireNonNull(this.handlers, "not started");
        try {
            executor.execute(task);
        }
        catch (RuntimeException ex) {
            // A rejecting executor (bounded and full): hand over here rather than drop the message.
            logger.debug("{}: its executor refused a task ({}); the calling thread handles it", this.description,
                    ex.toString());
            task.run();
        }
    }

    /** On a task: hands messages over in order, then makes room for the client's next ones. */
    private void handle(ClientConnection client, List<Envelope> messages) {
        try {
            for (int i = 0; i < messages.size(); i++) {
                if (this.halted) {
                    logger.warn("{}: the shutdown grace period ran out with {} messages of {} not handed over;"
                            + " they are dropped", this.description, messages.size() - i, client);
                    return;
                }
                this.clients.received(client, messages.get(i));
            }
        }
        finally {
            handled(client);
        }
    }

    private void handled(ClientConnection client) {
        boolean resume;
        boolean retire;
        List<List<Envelope>> tasks;
        synchronized (client) {
            client.inFlight--;
            tasks = this.halted ? List.of() : startable(client);
            resume = client.paused && client.fits(0);
            if (resume) {
                client.paused = false;
            }
            retire = retirable(client);
        }
        tasks.forEach((messages) -> submit(() -> handle(client, messages)));
        if (resume) {
            client.resume.run();
        }
        if (retire) {
            retire(client);
        }
        progress();
    }

    /** On the event loop (or the client's own reading thread): the client's input ended. */
    private void ended(ClientConnection client, PipeException ending) {
        boolean retire;
        synchronized (client) {
            client.end = ending;
            retire = retirable(client);
            if (!client.accepted) {
                // Refused (over max-connections) or gone before it was accepted: never a connection.
                this.byPipe.remove(client.pipe());
            }
        }
        if (retire) {
            // Closing the pipe waits for what it wrote to leave: never on its event loop.
            offLoop(() -> retire(client));
        }
        progress();
    }

    /** Under the client's monitor: whether it can retire now, and if so marks it retired. */
    private static boolean retirable(ClientConnection client) {
        if (client.accepted && client.end != null && client.inFlight == 0 && client.waiting.isEmpty()
                && !client.retired) {
            client.retired = true;
            return true;
        }
        return false;
    }

    /** A client's input ended and its last message is handled; while draining, the drain closes it. */
    private void retire(ClientConnection client) {
        this.byPipe.remove(client.pipe());
        boolean draining;
        synchronized (this) {
            this.live.remove(client);
            draining = this.draining;
            notifyAll();
        }
        if (!draining) {
            this.clients.ended(client, Objects.requireNonNull(client.end));
        }
    }

    private void offLoop(Runnable task) {
        Executor executor = this.handlers;
        try {
            if (executor != null) {
                executor.execute(task);
                return;
            }
        }
        catch (RuntimeException ex) {
            // Refused: a thread of its own below.
        }
        PipcThreads.newThread("pipc-retire-" + this.description, true, task).start();
    }

    private synchronized void progress() {
        notifyAll();
    }

    private void askToStop(ClientConnection client) {
        try {
            client.pipe().stopReceiving();
        }
        catch (UnsupportedOperationException ex) {
            synchronized (client) {
                client.closeOnly = true;
            }
        }
        catch (PipeException ex) {
            // Closed already: its end comes on its own.
        }
    }

    /** Under this monitor: every client retired; one that cannot be asked to stop counts once idle. */
    private boolean everyClientDone() {
        this.live.removeIf((client) -> {
            synchronized (client) {
                return client.closeOnly && client.inFlight == 0 && client.waiting.isEmpty() && !client.paused;
            }
        });
        return this.live.isEmpty();
    }

    /** A server opened without this dispatcher: a thread reads the client and offers its messages one by one. */
    private void readOnItsOwnThread(ClientConnection client) {
        PipeReader reader = new PipeReader(this.description + ", " + client,
                "pipc-server-client-" + client.id(), client.pipe(), (message) -> offerWaiting(client, message),
                (cause) -> ended(client, (cause != null) ? cause
                        : new PipeClosedException(this.description + ": " + client + " stopped being read")));
        reader.start();
    }

    private void offerWaiting(ClientConnection client, Envelope message) {
        List<Envelope> one = List.of(message);
        while (take(client, one) == 0) {
            if (this.halted) {
                logger.warn("{}: the shutdown grace period ran out; a message of {} is dropped", this.description,
                        client);
                return;
            }
            try {
                client.room.tryAcquire(TICK.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** What the dispatcher tells the server's connections. */
    interface Clients {

        /**
         * On the accepting thread: a client was accepted; give it its connection id with
         * {@link ClientConnection#accept}.
         *
         * @param client the client
         */
        void connected(ClientConnection client);

        /**
         * On a task: a message from a client; in the order the client sent them when the
         * client's max-in-flight is 1.
         *
         * @param client the client
         * @param message the message
         */
        void received(ClientConnection client, Envelope message);

        /**
         * Off the event loops, unless draining (the drain's caller closes every client then): a
         * client's input ended by itself and every message it sent was handled.
         *
         * @param client the client
         * @param cause how the input ended
         */
        void ended(ClientConnection client, PipeException cause);

        /**
         * On the accepting thread: accepting failed.
         *
         * @param failure why
         */
        void acceptFailed(PipeException failure);

        /**
         * On the accepting thread, at least every {@link #TICK}: time passes.
         *
         * @param nowNanos the {@link System#nanoTime()}
         */
        void tick(long nowNanos);
    }
}
