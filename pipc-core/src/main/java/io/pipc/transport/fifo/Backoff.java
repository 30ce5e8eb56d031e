package io.pipc.transport.fifo;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.pipc.PipeException;
import io.pipc.transport.Deadline;

/**
 * Pauses between polls of a rendezvous, from 1 ms doubling to 20 ms: a peer that arrives at
 * once is met within a millisecond or two, a long wait costs fifty wake-ups a second. FIFOs
 * give no event for "the other side opened me", so a poll is what there is.
 */
final class Backoff {

    private static final long FIRST = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LONGEST = TimeUnit.MILLISECONDS.toNanos(20);

    private long next = FIRST;

    /**
     * @param deadline never pauses past it
     * @param pipe the rendezvous name, for errors
     * @throws PipeException when the thread is interrupted (its flag is set again)
     */
    void pause(Deadline deadline, String pipe) {
        LockSupport.parkNanos(Math.min(next, deadline.remainingNanos()));
        next = Math.min(next * 2, LONGEST);
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new PipeException("named pipe '" + pipe + "': interrupted while waiting for the peer");
        }
    }
}
