package io.pipc.integration;

import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.transport.AbstractPipe;

import org.jspecify.annotations.Nullable;

/**
 * One client of a server, as {@link ServerConnections} knows it: its connection id and pipe,
 * and where its dispatch stands. Every field but the final ones is guarded by the connection's
 * monitor; {@link ClientDispatcher} alone changes them.
 *
 * <p>{@code inFlight} counts the client's tasks not yet finished, at most {@code maxInFlight}
 * (with 1, one batch at a time, so its messages keep their order); messages taken meanwhile
 * wait, up to the pipe's queue capacity, as its queue would hold them. Beyond that the pipe
 * stops reading ({@code paused}) until a task finishes and calls {@code resume}: that client's
 * writes wait, the others' do not. A client's
 * messages are taken only once it is {@code accepted} (it has a connection id and its opened
 * event went out); {@code end} is set once its input has ended, and the connection is
 * {@code retired} when its last message is handled.
 */
final class ClientConnection {

    private final Pipe pipe;

    /** Makes the pipe read again; for a client read by a thread of its own, releases {@link #room}. */
    final Runnable resume;

    /** For a client read by a thread of its own (a server opened without the dispatcher): its wait for room. */
    final Semaphore room = new Semaphore(0);

    private volatile @Nullable String id;

    /** Taken from the pipe and not handed to a task yet, up to the pipe's queue capacity. */
    final ArrayDeque<Envelope> waiting = new ArrayDeque<>();

    long waitingBytes;

    /** The pipe's queue capacity: what its queue would hold, the dispatcher holds for it. */
    final int capacityMessages;

    final long capacityBytes;

    int maxInFlight = 1;

    int inFlight;

    boolean accepted;

    boolean paused;

    boolean retired;

    /** The peer cannot be asked to stop sending (the Python wire): a shutdown takes what it has sent. */
    boolean closeOnly;

    @Nullable PipeException end;

    /**
     * @param pipe the client's pipe
     * @param resume makes the pipe read again after the dispatcher took less than it was offered
     */
    ClientConnection(Pipe pipe, @Nullable Runnable resume) {
        this.pipe = pipe;
        this.resume = (resume != null) ? resume : this.room::release;
        PipeOptions options = (pipe instanceof AbstractPipe framed) ? framed.options() : PipeOptions.defaults();
        this.capacityMessages = options.queueCapacityMessages();
        this.capacityBytes = options.queueCapacityBytes();
    }

    /** Under this monitor: whether a message of {@code size} bytes fits among those waiting. */
    boolean fits(int size) {
        return this.waiting.isEmpty()
                || (this.waiting.size() < this.capacityMessages && this.waitingBytes + size <= this.capacityBytes);
    }

    /** On acceptance: its connection id and how many of its messages may be handled at once. */
    synchronized void accept(String id, int maxInFlight) {
        this.id = id;
        this.maxInFlight = maxInFlight;
    }

    String id() {
        String known = this.id;
        return (known != null) ? known : "(not accepted yet)";
    }

    Pipe pipe() {
        return this.pipe;
    }

    @Override
    public String toString() {
        return "client connection '" + id() + "'";
    }
}
