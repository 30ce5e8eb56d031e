package io.pipc.integration;

import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.Readiness;
import io.pipc.Selectable;

import org.jspecify.annotations.Nullable;

/**
 * One client of a server, as {@link ServerConnections} knows it: its connection id and pipe,
 * and where its reading stands. Selectable as its pipe is, so that the server's
 * {@link ClientReader} can wait on it among the others.
 *
 * <p>The reading state: {@code inFlight} counts the tasks handling its messages; while it is at
 * {@code maxInFlight} the client is not read (with 1, a batch at a time, so its messages keep
 * their order), and its queue fills, which slows that client alone. {@code end} is set once its
 * input has ended; it and {@code closeOnly} are the reader thread's own.
 */
final class ClientConnection implements Selectable {

    private final String id;

    private final Pipe pipe;

    /**
     * Tasks handling this client's messages that have not finished; the reader takes no more
     * from the client while it is at {@link #maxInFlight}.
     */
    final AtomicInteger inFlight = new AtomicInteger();

    /**
     * How many of its messages may be handled at once: 1 keeps their order (one batch at a
     * time); a gateway's max-in-flight handles each request as a task of its own.
     */
    final int maxInFlight;

    /** Why the input ended, once it has; the connection retires when its last batch is done. */
    @Nullable PipeException end;

    /** The peer cannot be asked to stop sending (the Python wire): a shutdown takes what is queued. */
    boolean closeOnly;

    ClientConnection(String id, Pipe pipe, int maxInFlight) {
        this.id = id;
        this.pipe = pipe;
        this.maxInFlight = maxInFlight;
    }

    /**
     * @return whether the reader may take this client's next messages
     */
    boolean hasRoom() {
        return this.inFlight.get() < this.maxInFlight;
    }

    String id() {
        return this.id;
    }

    Pipe pipe() {
        return this.pipe;
    }

    @Override
    public Readiness readiness() {
        return this.pipe.readiness();
    }

    @Override
    public String toString() {
        return "client connection '" + this.id + "'";
    }
}
