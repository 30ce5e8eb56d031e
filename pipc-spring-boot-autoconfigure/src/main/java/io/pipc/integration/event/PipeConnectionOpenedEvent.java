package io.pipc.integration.event;

import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

/**
 * A pipe opened (its peer arrived), or a client connected to a server and authenticated.
 */
public final class PipeConnectionOpenedEvent extends PipeEvent {

    private static final long serialVersionUID = 1L;

    /**
     * @param source the component that published the event
     * @param pipeName the pipe's or server's name
     * @param transport its transport
     * @param connectionId the new client connection of a server, or null for a pipe
     */
    public PipeConnectionOpenedEvent(Object source, String pipeName, Transport transport,
            @Nullable String connectionId) {
        super(source, pipeName, transport, connectionId);
    }
}
