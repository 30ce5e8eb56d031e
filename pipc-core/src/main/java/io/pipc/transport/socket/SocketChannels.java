package io.pipc.transport.socket;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * The small things every socket transport does with a channel, written once: close it when
 * nothing more can be done about a failure, name its peer in a message, pick the protocol
 * family of an address.
 */
public final class SocketChannels {

    private SocketChannels() {
    }

    /**
     * Closes a channel whose failure to close changes nothing (it is being given up).
     *
     * @param channel the channel, or null
     */
    public static void closeQuietly(@Nullable Channel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // already gone, or going: nothing more to do
        }
    }

    /**
     * @param socket a connected socket
     * @return its peer's address as text, or {@code (gone)} when the socket is closed
     */
    public static String remoteAddress(SocketChannel socket) {
        try {
            return String.valueOf(socket.getRemoteAddress());
        } catch (IOException e) {
            return "(gone)";
        }
    }

    /**
     * @param address an IP address
     * @return the protocol family a socket to or from it needs
     */
    public static StandardProtocolFamily family(InetAddress address) {
        return address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }
}
