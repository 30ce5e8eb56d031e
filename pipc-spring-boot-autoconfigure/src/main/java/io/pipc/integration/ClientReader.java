package io.pipc.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeException;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Readiness;
import io.pipc.Selectable;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a server and all its clients on one thread, so that a server's threads do not grow
 * with its clients: the thread waits with {@link Pipes#select} on the server and on every
 * client that has no batch in hand, accepts waiting clients, and takes everything queued on a
 * ready client as one batch. Batches are handled on a bounded pool of handler threads, at most
 * one batch per client at a time: each client's messages keep their order, and a client
 * whose flow is slow fills its own queue (and so waits to write) without holding up the others.
 *
 * <p>{@link #drain(long)} ends it without losing a message: take the clients whose handshake
 * is done, close the server, ask every client to stop sending ({@link Pipe#stopReceiving()}),
 * and go on reading and handling until each client's input has ended or the deadline passes.
 * A client that cannot be asked (the Python wire) is drained of what it has queued.
 */
final class ClientReader {

    private static final Logger logger = LoggerFactory.getLogger(ClientReader.class);

    /** How often an idle reading thread wakes up to let {@link Clients#tick} sum up held-back log lines. */
    private static final Duration TICK = Duration.ofSeconds(10);

    /** Pause after a failed accept, so that a server failing at once does not spin. */
    private static final long ACCEPT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String description;

    private final PipeServer server;

    private final Clients clients;

    private final ThreadPoolExecutor handlers;

    private final Thread thread;

    /** Clients whose batch is done, for the reading thread to take up again. */
    private final Queue<ClientConnection> done = new ConcurrentLinkedQueue<>();

    private final Readiness wakeUp = new Readiness(this::hasNews);

    private final Selectable wakeUpSelectable = () -> this.wakeUp;

    /** Every client whose input has not ended and been retired; the reading thread's own. */
    private final List<ClientConnection> live = new ArrayList<>();

    private volatile long drainDeadline;

    private volatile boolean drainRequested;

    /** The deadline passed: handler threads stop between messages, the reading thread stops. */
    private volatile boolean halted;

    private volatile boolean drained;

    private boolean draining;

    private boolean serverGone;

    /**
     * @param description names the server in logs, e.g. "server 'api'"
     * @param threadName the reading thread's name; handler threads add "-handler-N"
     * @param server the server to accept from; nothing else may accept
     * @param handlerThreads the most batches handled at once
     * @param clients told of clients and their messages
     */
    ClientReader(String description, String threadName, PipeServer server, int handlerThreads, Clients clients) {
        this.description = Objects.requireNonNull(description, "description");
        this.server = Objects.requireNonNull(server, "server");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.handlers = new ThreadPoolExecutor(handlerThreads, handlerThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), handlerThreadFactory(threadName));
        this.handlers.allowCoreThreadTimeOut(true);
        this.thread = new Thread(this::run, threadName);
        // Not a daemon: a server keeps the application running, the way a web server does.
        this.thread.setDaemon(false);
    }

    void start() {
        this.thread.start();
    }

    /**
     * Ends reading without losing a message, as described above, and waits for it.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up
     * @return whether every client's input ended and every message received was handed over in time
     */
    boolean drain(long deadlineNanos) {
        this.drainDeadline = deadlineNanos;
        this.drainRequested = true;
        this.wakeUp.signal();
        try {
            long remainingMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
            // The thread watches the deadline itself; the extra second covers its last round. Joined,
            // not merely signalled, so that a stopped server has no reading thread left.
            this.thread.join(remainingMillis + 1000);
            if (this.thread.isAlive()) {
                this.halted = true;
                this.wakeUp.signal();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.halted = true;
            this.wakeUp.signal();
        }
        this.handlers.shutdown();
        return this.drained;
    }

    private boolean hasNews() {
        return !this.done.isEmpty() || (this.drainRequested && !this.draining) || this.halted;
    }

    private void run() {
        try {
            while (true) {
                takeBackFinishedBatches();
                if (this.drainRequested && !this.draining) {
                    beginDrain();
                }
                if (this.draining && (drainedEverything() || deadlinePassed())) {
                    break;
                }
                if (this.halted) {
                    break;
                }
                this.clients.tick(System.nanoTime());
                Duration timeout = (this.draining && remaining().compareTo(TICK) < 0) ? remaining() : TICK;
                for (Selectable ready : Pipes.select(candidates(), timeout)) {
                    if (ready == this.server) {
                        acceptWaiting();
                    }
                    else if (ready instanceof ClientConnection client && !client.busy && client.end == null) {
                        readBatch(client);
                    }
                }
            }
        }
        catch (RuntimeException | Error ex) {
            logger.error("{}: reading its clients stopped by an unexpected failure", this.description, ex);
        }
    }

    private List<Selectable> candidates() {
        List<Selectable> candidates = new ArrayList<>(this.live.size() + 2);
        candidates.add(this.wakeUpSelectable);
        if (!this.serverGone) {
            // While draining too: clients that connected before the server stopped listening are still taken.
            candidates.add(this.server);
        }
        for (ClientConnection client : this.live) {
            if (!client.busy && client.end == null) {
                candidates.add(client);
            }
        }
        return candidates;
    }

    private void acceptWaiting() {
        while (true) {
            Pipe pipe;
            try {
                pipe = this.server.accept(Duration.ZERO);
            }
            catch (PipeTimeoutException ex) {
                return;
            }
            catch (PipeClosedException ex) {
                // Closed by someone else: the clients already here go on.
                this.serverGone = true;
                return;
            }
            catch (PipeException ex) {
                this.clients.acceptFailed(ex);
                LockSupport.parkNanos(ACCEPT_RETRY_NANOS);
                return;
            }
            ClientConnection client = this.clients.connected(pipe);
            this.live.add(client);
            if (this.draining) {
                askToStop(client);
            }
        }
    }

    private void readBatch(ClientConnection client) {
        Pipe pipe = client.pipe();
        List<Envelope> batch = new ArrayList<>();
        try {
            batch.addAll(pipe.pendingEnvelopes());
            if (batch.isEmpty()) {
                // Ready with nothing queued: the input has ended, and this read says how.
                batch.add(pipe.readEnvelope(Duration.ZERO));
            }
        }
        catch (PipeTimeoutException ex) {
            // Nothing more queued.
        }
        catch (PipeException ex) {
            client.end = ex;
        }
        if (!batch.isEmpty()) {
            client.busy = true;
            this.handlers.execute(() -> handle(client, batch));
        }
        else if (client.end != null) {
            retire(client);
        }
    }

    /** On a handler thread: hands a batch over in order, then gives the client back to the reader. */
    private void handle(ClientConnection client, List<Envelope> batch) {
        try {
            for (int i = 0; i < batch.size(); i++) {
                if (this.halted) {
                    logger.warn("{}: the shutdown grace period ran out with {} messages of {} not handed over;"
                            + " they are dropped", this.description, batch.size() - i, client);
                    return;
                }
                this.clients.received(client, batch.get(i));
            }
        }
        finally {
            this.done.add(client);
            this.wakeUp.signal();
        }
    }

    private void takeBackFinishedBatches() {
        ClientConnection client;
        while ((client = this.done.poll()) != null) {
            client.busy = false;
            if (client.end != null) {
                retire(client);
            }
        }
    }

    /** A client's input ended and its last batch is done; while draining, the drain closes it. */
    private void retire(ClientConnection client) {
        if (this.live.remove(client) && !this.draining) {
            this.clients.ended(client, Objects.requireNonNull(client.end));
        }
    }

    private void beginDrain() {
        if (!this.serverGone) {
            // No new clients; those already connected are still handed out (and asked to stop
            // like the others) until accept() says none is left: they may have written already.
            this.server.stopListening();
            acceptWaiting();
        }
        this.draining = true;
        for (ClientConnection client : this.live) {
            askToStop(client);
        }
    }

    private void askToStop(ClientConnection client) {
        try {
            client.pipe().stopReceiving();
        }
        catch (UnsupportedOperationException ex) {
            client.closeOnly = true;
        }
        catch (PipeException ex) {
            // Closed already: its end shows when it is read.
        }
    }

    /** Whether every client's input has ended and been handed over; close-only clients count once their queue is empty. */
    private boolean drainedEverything() {
        this.live.removeIf((client) -> client.closeOnly && !client.busy && client.pipe().size() == 0);
        if (this.live.isEmpty() && this.serverGone) {
            this.drained = true;
            return true;
        }
        return false;
    }

    private boolean deadlinePassed() {
        if (remaining().isZero()) {
            this.halted = true;
            int queued = 0;
            for (ClientConnection client : this.live) {
                queued += client.pipe().size();
            }
            logger.warn("{}: the shutdown grace period ran out before {} of its clients' input ended"
                    + " ({} messages still queued are dropped)", this.description, this.live.size(), queued);
            return true;
        }
        return false;
    }

    private Duration remaining() {
        long nanos = this.drainDeadline - System.nanoTime();
        return (nanos > 0) ? Duration.ofNanos(nanos) : Duration.ZERO;
    }

    private static ThreadFactory handlerThreadFactory(String threadName) {
        AtomicInteger count = new AtomicInteger();
        return (runnable) -> {
            Thread thread = new Thread(runnable, threadName + "-handler-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** What the reader tells the server's connections. */
    interface Clients {

        /**
         * On the reading thread: a client was accepted.
         *
         * @param pipe its pipe
         * @return its connection
         */
        ClientConnection connected(Pipe pipe);

        /**
         * On a handler thread: a message from a client, in the order the client sent them.
         *
         * @param client the client
         * @param message the message
         */
        void received(ClientConnection client, Envelope message);

        /**
         * On the reading thread, unless draining (the drain's caller closes every client then):
         * a client's input ended by itself and every message it sent was handed over.
         *
         * @param client the client
         * @param cause how the input ended
         */
        void ended(ClientConnection client, PipeException cause);

        /**
         * On the reading thread: accepting failed.
         *
         * @param failure why
         */
        void acceptFailed(PipeException failure);

        /**
         * On the reading thread, at every round and at least every {@link #TICK}: time passes.
         *
         * @param nowNanos the {@link System#nanoTime()}
         */
        void tick(long nowNanos);
    }
}
