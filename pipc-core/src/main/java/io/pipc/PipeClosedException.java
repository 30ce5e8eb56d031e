package io.pipc;

/**
 * This end of the pipe (or this server) was closed: by {@link Pipe#close()} from any thread,
 * or after a final {@link Pipe#disconnect(String)}. Threads blocked on the pipe when it is
 * closed are woken with this exception.
 */
public final class PipeClosedException extends PipeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message names the pipe that is closed
     */
    public PipeClosedException(String message) {
        super(message);
    }
}
