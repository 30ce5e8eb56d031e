package io.pipc.boot.autoconfigure;

/**
 * How a TCP pipe entry finds its peer ({@code mode}).
 */
public enum TcpMode {

    /** Both sides name each other; whichever comes first listens, the other connects. */
    RENDEZVOUS,

    /** This side is a client of a pipe server at host and port. */
    CONNECT;

    /**
     * @return the value as configuration spells it: {@code rendezvous}, {@code connect}
     */
    String propertyValue() {
        return PipcDefinitions.propertyValue(this);
    }
}
