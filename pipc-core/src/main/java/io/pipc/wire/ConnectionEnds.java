package io.pipc.wire;

import java.util.Objects;

/**
 * How the operating system names the two ends of one connection, as one end sees them: for a
 * socket its local and remote address, for a FIFO pair the FIFO it reads and the one it writes.
 * The other end of the same connection sees the same two names swapped.
 *
 * <p>The handshake uses it for one decision only: a challenge equal to one this process sent in
 * another live handshake is refused (see {@link LiveNonces}) unless that handshake runs on the
 * other end of this very connection, which is what a process connected to itself looks like.
 *
 * @param local this end's name, such as {@code 127.0.0.1:40312}
 * @param remote the other end's name, such as {@code 127.0.0.2:7001}
 */
public record ConnectionEnds(String local, String remote) {

    /**
     * @param local this end's name
     * @param remote the other end's name
     */
    public ConnectionEnds {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }

    /**
     * @param other the ends as another handshake of this process sees its connection
     * @return whether that handshake runs on the other end of this connection
     */
    public boolean mirrors(ConnectionEnds other) {
        return local.equals(other.remote) && remote.equals(other.local);
    }
}
