package io.pipc.integration;

import io.pipc.Envelope;
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
     * The pipe ended: pending requests can have no reply and fail now rather than at their timeout.
     *
     * @param cause why the pipe ended
     */
    void pipeEnded(PipeException cause);
}
