package io.pipc.integration;

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
 * <p>The reading state is the reader thread's own: {@code busy} while a batch of its messages
 * is being handled (it is not read meanwhile, so its messages keep their order and its queue
 * fills, which slows that client alone), {@code end} once its input has ended.
 */
final class ClientConnection implements Selectable {

    private final String id;

    private final Pipe pipe;

    /** A batch of this client's messages is being handled; the reader leaves it alone meanwhile. */
    boolean busy;

    /** Why the input ended, once it has; the connection retires when its last batch is done. */
    @Nullable PipeException end;

    /** The peer cannot be asked to stop sending (the Python wire): a shutdown takes what is queued. */
    boolean closeOnly;

    ClientConnection(String id, Pipe pipe) {
        this.id = id;
        this.pipe = pipe;
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
