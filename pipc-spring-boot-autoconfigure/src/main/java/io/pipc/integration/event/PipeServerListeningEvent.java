package io.pipc.integration.event;

import java.net.SocketAddress;
import java.util.Objects;

import io.pipc.Transport;

/**
 * A server is listening: clients can connect to {@link #getAddress()}, which holds the real
 * port when port 0 was configured.
 */
public final class PipeServerListeningEvent extends PipeEvent {

    private static final long serialVersionUID = 1L;

    private final transient SocketAddress address;

    /**
     * @param source the component that published the event
     * @param serverName the server's name
     * @param transport its transport
     * @param address the bound address
     */
    public PipeServerListeningEvent(Object source, String serverName, Transport transport, SocketAddress address) {
        super(source, serverName, transport, null);
        this.address = Objects.requireNonNull(address, "address");
    }

    /**
     * @return the bound address; for TCP, with the real port
     */
    public SocketAddress getAddress() {
        return this.address;
    }

    @Override
    String details() {
        return ", listening on " + this.address;
    }
}
