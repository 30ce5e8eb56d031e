package io.pipc.transport.socket;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

import io.pipc.wire.ConnectionEnds;

import org.jspecify.annotations.Nullable;

/**
 * Names a socket's two ends the same way on both sides of a connection, so that a handshake can
 * tell a process connected to itself from a relay between two of its connections (see
 * {@link ConnectionEnds}). An IPv4 peer seen through a dual-stack socket ({@code ::ffff:a.b.c.d})
 * is named by its IPv4 address, as the IPv4 side names itself.
 */
public final class SocketEnds {

    private SocketEnds() {
    }

    /**
     * @param socket a connected socket
     * @return its local and remote address, normalised
     */
    public static ConnectionEnds of(SocketChannel socket) {
        try {
            return new ConnectionEnds(name(socket.getLocalAddress()), name(socket.getRemoteAddress()));
        } catch (IOException e) {
            // Closed meanwhile: a name no other connection has, so nothing mirrors it.
            String closed = "closed socket " + System.identityHashCode(socket);
            return new ConnectionEnds(closed, closed);
        }
    }

    /**
     * @param address a socket address
     * @return its name as {@link ConnectionEnds} carries it
     */
    public static String name(@Nullable SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return unmapped(inet.getAddress()).getHostAddress() + " port " + inet.getPort();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        return String.valueOf(address);
    }

    private static InetAddress unmapped(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && bytes.length == 16 && isMapped(bytes)) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are always an IPv4 address", e);
            }
        }
        return address;
    }

    private static boolean isMapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
    }
}
