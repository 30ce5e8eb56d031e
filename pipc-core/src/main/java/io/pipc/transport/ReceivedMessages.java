package io.pipc.transport;

import java.util.List;

import io.pipc.Envelope;
import io.pipc.PipeException;
import io.pipc.Readiness;

import org.jspecify.annotations.Nullable;

/**
 * What a pipe's read side takes its messages from: the {@link InboundQueue} that a transport
 * fills, or a queue of the transport's own (the in-process pipe's). {@link AbstractPipe}
 * reads through this and nothing else, so a transport may bring a queue shaped for its
 * producer without changing how a pipe is read.
 */
public interface ReceivedMessages {

    /**
     * Takes the next message, waiting up to {@code timeoutNanos}.
     *
     * @param timeoutNanos how long to wait; {@link Long#MAX_VALUE} waits for ever
     * @return the message, or null when none came in time
     * @throws PipeException the closing exception, the ending exception once drained, or an event's exception
     * @throws InterruptedException when the reader is interrupted while waiting
     */
    @Nullable Envelope take(long timeoutNanos) throws InterruptedException;

    /**
     * As {@link #take}, but only the payload: headers, if any, are dropped.
     *
     * @param timeoutNanos how long to wait; {@link Long#MAX_VALUE} waits for ever
     * @return the payload, or null when none came in time
     * @throws PipeException as {@link #take}
     * @throws InterruptedException when the reader is interrupted while waiting
     */
    byte @Nullable [] takePayload(long timeoutNanos) throws InterruptedException;

    /**
     * @return every message queued now, up to the first event, without waiting; possibly none
     * @throws PipeException the closing exception, when this end is closed
     */
    List<Envelope> drain();

    /**
     * @return the payloads of every message queued now, up to the first event, without waiting
     * @throws PipeException the closing exception, when this end is closed
     */
    List<byte[]> drainPayloads();

    /**
     * @return the readiness that {@code select} watches: true when a read would not block
     */
    Readiness readiness();

    /**
     * @return messages queued and not yet read
     */
    int size();

    /**
     * @return how many readers wait (parked) for a message now
     */
    int readersWaiting();

    /**
     * @return how many producers wait (parked) for room now
     */
    int producersWaiting();
}
