package io.pipc.transport.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * The address per-address limits count a connection under
 * ({@link io.pipc.PipeOptions#maxHandshakingConnectionsPerAddress()}): its peer's IP address, or
 * none. Loopback addresses count under none: each is this host, and a local process may connect
 * from any of millions of them ({@code 127.0.0.0/8}), so the address says nothing about who
 * connects, and a cap on it would only refuse bursts of local clients. Unix sockets have no
 * address at all.
 */
public final class PeerAddress {

    private PeerAddress() {
    }

    /**
     * @param socket an accepted socket
     * @return the peer's IP address to count it under, or null for none: a loopback address, a
     *         Unix socket, a socket already gone
     */
    public static @Nullable InetAddress countedFor(SocketChannel socket) {
        try {
            return socket.getRemoteAddress() instanceof InetSocketAddress inet && !inet.getAddress().isLoopbackAddress()
                    ? inet.getAddress() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
