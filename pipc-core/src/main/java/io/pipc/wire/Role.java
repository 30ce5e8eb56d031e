package io.pipc.wire;

/**
 * Which side of a connection this end is. The handshake binds each side's proof of the secret
 * to its role, so a proof reflected back at its sender is worthless; the two ends of one
 * connection must therefore take different roles.
 */
public enum Role {
    /** The side that made the connection: a client, or the second side of a rendezvous, or the child of a parent process. */
    CONNECTOR,
    /**
     * The side that accepted the connection: a server, the listening side of a rendezvous, the
     * creator of a FIFO pair, or the parent of a child process.
     */
    ACCEPTOR;

    /**
     * @return the role of the other end
     */
    public Role peer() {
        return this == CONNECTOR ? ACCEPTOR : CONNECTOR;
    }
}
