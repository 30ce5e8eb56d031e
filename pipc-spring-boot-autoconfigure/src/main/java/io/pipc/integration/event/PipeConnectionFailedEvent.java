package io.pipc.integration.event;

import java.util.Objects;

import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

/**
 * A pipe could not open, a client could not connect or authenticate, or a connection broke.
 */
public final class PipeConnectionFailedEvent extends PipeEvent {

    private static final long serialVersionUID = 1L;

    private final Throwable cause;

    /**
     * @param source the component that published the event
     * @param pipeName the pipe's or server's name
     * @param transport its transport
     * @param connectionId the client connection of a server, when known; else null
     * @param cause what went wrong
     */
    public PipeConnectionFailedEvent(Object source, String pipeName, Transport transport,
            @Nullable String connectionId, Throwable cause) {
        super(source, pipeName, transport, connectionId);
        this.cause = Objects.requireNonNull(cause, "cause");
    }

    /**
     * @return what went wrong
     */
    public Throwable getCause() {
        return this.cause;
    }

    @Override
    String details() {
        return ", " + this.cause;
    }
}
