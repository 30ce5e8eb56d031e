package io.pipc.wire;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a transport tells a handshake about the connection it runs on, so that a proof of the
 * secret made on this connection is worth nothing on another (see {@code docs/protocol.md},
 * "Authentication").
 */
public final class ConnectionBinding {

    private static final byte[] NOTHING = new byte[0];

    private final Supplier<ConnectionEnds> ends;
    private final byte[] exchangedBefore;

    private ConnectionBinding(Supplier<ConnectionEnds> ends, byte[] exchangedBefore) {
        this.ends = Objects.requireNonNull(ends, "ends");
        if (exchangedBefore.length > 0xFFFF) {
            throw new IllegalArgumentException("at most 65535 bytes exchanged before the handshake can be bound, not "
                    + exchangedBefore.length);
        }
        this.exchangedBefore = exchangedBefore.clone();
    }

    /**
     * @param ends the connection's two ends as this end sees them, known from the start (FIFOs, stdio)
     * @return a binding for a connection on which nothing was exchanged before the handshake
     */
    public static ConnectionBinding of(ConnectionEnds ends) {
        Objects.requireNonNull(ends, "ends");
        return of(() -> ends);
    }

    /**
     * @param ends the connection's two ends as this end sees them; asked for only once bytes
     *        have crossed the connection (a socket's local address is known only once it is connected)
     * @return a binding for a connection on which nothing was exchanged before the handshake
     */
    public static ConnectionBinding of(Supplier<ConnectionEnds> ends) {
        return new ConnectionBinding(ends, NOTHING);
    }

    /**
     * @param ends the connection's two ends as this end sees them, asked for once bytes have crossed
     * @param exchangedBefore what both sides sent on the connection before the pipc handshake, the
     *        acceptor's part first (a TCP rendezvous's two hellos); copied
     * @return the binding
     */
    public static ConnectionBinding of(Supplier<ConnectionEnds> ends, byte[] exchangedBefore) {
        return new ConnectionBinding(ends, exchangedBefore);
    }

    /**
     * @param role the side a handshake takes
     * @return for two handshakes paired in memory (tests): the connection's ends named after the roles
     */
    static ConnectionBinding inMemory(Role role) {
        return of(new ConnectionEnds("in memory, " + role, "in memory, " + role.peer()));
    }

    /**
     * @return the connection's two ends as this end sees them
     */
    ConnectionEnds ends() {
        return Objects.requireNonNull(ends.get(), "ends");
    }

    /**
     * @return a copy of what was exchanged before the handshake
     */
    byte[] exchangedBefore() {
        return exchangedBefore.clone();
    }
}
