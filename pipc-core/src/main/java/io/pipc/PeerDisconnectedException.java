package io.pipc;

/**
 * The peer called {@link Pipe#disconnect(String)}. A reader sees it after every message the
 * peer wrote before disconnecting; {@link #reason()} is the text the peer gave.
 *
 * <p>For an in-process pipe this is an event, seen once: the pipe stays usable and the next
 * write from either end reconnects it. For FIFO, Unix socket and TCP pipes the disconnect is
 * final and every later read throws this exception again.
 */
public final class PeerDisconnectedException extends PipeException {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param message names the pipe and quotes the reason
     * @param reason the reason the peer gave, possibly empty
     */
    public PeerDisconnectedException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    /**
     * @return the reason the peer gave to {@link Pipe#disconnect(String)}, possibly empty
     */
    public String reason() {
        return reason;
    }
}
