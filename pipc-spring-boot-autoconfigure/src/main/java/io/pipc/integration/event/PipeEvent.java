package io.pipc.integration.event;

import java.util.Objects;

import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEvent;

/**
 * Something happened to a pipe, a server, or a client connection of a server. Published as an
 * application event, so that an {@code @EventListener} method can react to it.
 */
public abstract sealed class PipeEvent extends ApplicationEvent
        permits PipeConnectionOpenedEvent, PipeConnectionClosedEvent, PipeConnectionFailedEvent,
        PipeServerListeningEvent, PipeReconnectedEvent {

    private static final long serialVersionUID = 1L;

    private final String pipeName;

    private final Transport transport;

    private final @Nullable String connectionId;

    /**
     * @param source the component that published the event
     * @param pipeName the pipe's or server's name
     * @param transport its transport
     * @param connectionId the client connection, for events of a server's client; else null
     */
    protected PipeEvent(Object source, String pipeName, Transport transport, @Nullable String connectionId) {
        super(source);
        this.pipeName = Objects.requireNonNull(pipeName, "pipeName");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.connectionId = connectionId;
    }

    /**
     * @return the name of the pipe, or of the server
     */
    public String getPipeName() {
        return this.pipeName;
    }

    /**
     * @return the transport
     */
    public Transport getTransport() {
        return this.transport;
    }

    /**
     * @return the client connection of a server this event is about, or null for a pipe or the server itself
     */
    public @Nullable String getConnectionId() {
        return this.connectionId;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + this.pipeName + ", " + this.transport
                + (this.connectionId != null ? ", connection " + this.connectionId : "") + details() + "]";
    }

    /**
     * @return what a subclass adds to {@link #toString()}, starting with ", ", or empty
     */
    String details() {
        return "";
    }
}
