package io.pipc.integration;

import java.time.Duration;
import java.util.Objects;

import io.pipc.Pipe;

import org.springframework.util.backoff.BackOff;

/**
 * How a {@link SharedPipe} opens its pipe in the background, and again whenever its peer goes
 * away: see {@link SharedPipe#connectInBackground(Reconnection)}.
 *
 * @param peer where the pipe goes, for errors and health, e.g. "fifo 'orders'" or
 *        "tcp connect 127.0.0.1:7001"
 * @param opener opens the pipe once, waiting for the peer up to its connect timeout
 * @param backOff how long to wait between failed attempts; attempts end when it says stop
 * @param writeTimeout how long a write waits for the pipe while it is being opened
 */
public record Reconnection(String peer, Opener opener, BackOff backOff, Duration writeTimeout) {

    /**
     * @param peer where the pipe goes
     * @param opener opens the pipe once
     * @param backOff how long to wait between failed attempts
     * @param writeTimeout how long a write waits for the pipe while it is being opened
     */
    public Reconnection {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(opener, "opener");
        Objects.requireNonNull(backOff, "backOff");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
    }

    /** Opens the pipe once. */
    @FunctionalInterface
    public interface Opener {

        /**
         * @return the open pipe
         * @throws RuntimeException when the peer did not come in time, or refused
         */
        Pipe open();
    }
}
