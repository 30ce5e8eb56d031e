package io.pipc.integration.event;

import io.pipc.Transport;

/**
 * A pipe whose peer had gone away is open again, with a new connection to its peer. Published
 * after the {@link PipeConnectionOpenedEvent} of that connection.
 */
public final class PipeReconnectedEvent extends PipeEvent {

    private static final long serialVersionUID = 1L;

    private final int attempts;

    /**
     * @param source the pipe
     * @param pipeName the pipe's name
     * @param transport its transport
     * @param attempts how many attempts to open it this reconnection took, the last included
     */
    public PipeReconnectedEvent(Object source, String pipeName, Transport transport, int attempts) {
        super(source, pipeName, transport, null);
        this.attempts = attempts;
    }

    /**
     * @return how many attempts to open the pipe this reconnection took, the successful one included
     */
    public int getAttempts() {
        return this.attempts;
    }

    @Override
    String details() {
        return ", after " + this.attempts + " attempts";
    }
}
