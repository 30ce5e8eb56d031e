package io.pipc.integration.event;

import java.util.Objects;

import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

/**
 * A pipe, or a client connection of a server, ended: the peer closed or disconnected, or this
 * application closed it.
 */
public final class PipeConnectionClosedEvent extends PipeEvent {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param source the component that published the event
     * @param pipeName the pipe's or server's name
     * @param transport its transport
     * @param connectionId the client connection of a server, or null for a pipe
     * @param reason how it ended, for people
     */
    public PipeConnectionClosedEvent(Object source, String pipeName, Transport transport,
            @Nullable String connectionId, String reason) {
        super(source, pipeName, transport, connectionId);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * @return how it ended, for people
     */
    public String getReason() {
        return this.reason;
    }

    @Override
    String details() {
        return ", " + this.reason;
    }
}
