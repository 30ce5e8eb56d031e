package io.pipc.integration;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeException;

/**
 * An outbound gateway as a pipe's dispatcher sees it: offered every message read that carries
 * a correlation id, it takes those that answer its pending requests.
 */
interface ReplyListener {

    /**
     * @param message a message read, with a correlation id
     * @return whether it answered a pending request and was taken
     */
    boolean offerReply(Envelope message);

    /**
     * Waits until the requests pending now have their replies, before the peer is asked to stop
     * sending (it could not send them after that).
     *
     * @param deadlineNanos the {@link System#nanoTime()} at which to give up
     */
    void awaitReplies(long deadlineNanos);

    /**
     * A connection of the pipe ended: the requests written to it can have no reply and fail now
     * rather than at their timeout. Those written to a later connection of a pipe that heals
     * still wait for theirs.
     *
     * @param connection the connection that ended
     * @param cause why it ended
     */
    void connectionEnded(Pipe connection, PipeException cause);
}
