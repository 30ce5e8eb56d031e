package io.pipc.integration;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Readiness;

/**
 * A test double of a transport: a {@link PipeServer} whose clients are in-process pairs.
 * {@link #connect()} plays the client's {@code Pipes.connect}, returning the client's end and
 * queueing the server's end for {@link #accept()}. It stands in for Unix and TCP servers until
 * those transports exist; the code under test sees a real {@code PipeServer} and real pipes.
 */
public final class PairPipeServer implements PipeServer {

    private static final AtomicInteger PORTS = new AtomicInteger(40000);

    private static final Pipe CLOSED = Pipes.pair().left();

    private final LinkedBlockingQueue<Pipe> waiting = new LinkedBlockingQueue<>();

    private final Readiness readiness = new Readiness(() -> !this.waiting.isEmpty());

    private final PipeOptions options;

    private final SocketAddress address;

    private final AtomicInteger clients = new AtomicInteger();

    private volatile boolean open = true;

    public PairPipeServer() {
        this(PipeOptions.defaults());
    }

    public PairPipeServer(PipeOptions options) {
        this(options, new InetSocketAddress("127.0.0.1", PORTS.incrementAndGet()));
    }

    public PairPipeServer(PipeOptions options, SocketAddress address) {
        this.options = options;
        this.address = address;
    }

    /**
     * @return the client's end of a new connection
     */
    public Pipe connect() {
        if (!this.open) {
            throw new PipeClosedException("server " + this.address + " is closed: connection refused");
        }
        PipePair pair = Pipes.pair(this.options.toBuilder().name("client-" + this.clients.incrementAndGet()).build());
        this.waiting.add(pair.right());
        this.readiness.signal();
        return pair.left();
    }

    @Override
    public Pipe accept() {
        return accept(Duration.ofDays(365));
    }

    @Override
    public Pipe accept(Duration timeout) {
        try {
            Pipe pipe = this.waiting.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (pipe == null) {
                throw new PipeTimeoutException("no client within " + timeout);
            }
            if (pipe == CLOSED) {
                this.waiting.add(CLOSED);
                throw new PipeClosedException("server " + this.address + " is closed");
            }
            return pipe;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new PipeClosedException("interrupted");
        }
    }

    @Override
    public SocketAddress address() {
        return this.address;
    }

    @Override
    public boolean isOpen() {
        return this.open;
    }

    /** Like a real server, closing refuses the clients that connected and were not accepted yet. */
    @Override
    public void close() {
        if (this.open) {
            this.open = false;
            Pipe pending;
            while ((pending = this.waiting.poll()) != null) {
                pending.close();
            }
            this.waiting.add(CLOSED);
            this.readiness.signal();
        }
    }

    @Override
    public Readiness readiness() {
        return this.readiness;
    }
}
