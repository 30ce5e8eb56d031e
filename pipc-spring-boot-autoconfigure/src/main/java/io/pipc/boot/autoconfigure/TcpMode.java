package io.pipc.boot.autoconfigure;

/**
 * How a TCP pipe entry finds its peer ({@code mode}).
 */
enum TcpMode {

    /** Both sides name each other; whichever comes first listens, the other connects. */
    RENDEZVOUS("rendezvous"),

    /** This side is a client of a pipe server at host and port. */
    CONNECT("connect");

    private final String propertyValue;

    TcpMode(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    String propertyValue() {
        return this.propertyValue;
    }
}
