package io.pipc.transport.tcp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Transport;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.SocketClient;
import io.pipc.transport.socket.SocketPipe;
import io.pipc.transport.socket.SocketServer;

/**
 * Opens TCP servers and connects TCP clients with pipc's defaults: {@code TCP_NODELAY} (a lone
 * small message is not held back: pipc coalesces by itself), and no bind beyond loopback
 * without a secret or TLS.
 */
public final class TcpTransport {

    private TcpTransport() {
    }

    /**
     * @param address where to listen; port 0 picks a free port
     * @param options for every client's pipe
     * @return the listening server
     */
    public static PipeServer server(InetSocketAddress address, PipeOptions options) {
        String name = options.name() != null ? options.name() : "tcp-server:" + address.getPort();
        if (address.isUnresolved()) {
            throw new PipeException("server '" + name + "': cannot resolve host " + address.getHostString());
        }
        checkExposure(name, address, options);
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open(address.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(address, 1024);
            return SocketServer.start(name, Transport.TCP, options, listener, new SocketServer.Admission() {
                @Override
                public Conduit admit(SocketChannel socket) throws IOException {
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    return SocketClient.plain(socket);
                }

                @Override
                public String describe(SocketChannel socket) {
                    try {
                        return String.valueOf(socket.getRemoteAddress());
                    } catch (IOException e) {
                        return "(gone)";
                    }
                }
            }, () -> { });
        } catch (IOException e) {
            closeQuietly(listener);
            throw new PipeException("server '" + name + "': cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param address the server
     * @param options timeouts, secret
     * @return the connected pipe
     */
    public static SocketPipe connect(InetSocketAddress address, PipeOptions options) {
        String name = options.name() != null ? options.name() : "tcp:" + address.getHostString() + ":" + address.getPort();
        if (address.isUnresolved()) {
            throw new PipeException("pipe '" + name + "': cannot resolve host " + address.getHostString());
        }
        return SocketClient.connect(name, Transport.TCP,
                address.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET,
                address, options, socket -> {
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    return SocketClient.plain(socket);
                });
    }

    /** SPEC section 8: a listener reachable from other hosts must authenticate its clients. */
    static void checkExposure(String name, InetSocketAddress address, PipeOptions options) {
        if (address.getAddress().isLoopbackAddress() || options.hasSecret() || options.sslContext() != null) {
            return;
        }
        String where = address.getAddress().isAnyLocalAddress() ? "every interface (" + address + ")" : address.toString();
        throw new PipeException("server '" + name + "': refusing to listen on " + where
                + " without authentication: other hosts could connect. Set PipeOptions.secret(...) or "
                + "PipeOptions.sslContext(...), or listen on loopback (new InetSocketAddress(InetAddress.getLoopbackAddress(), port))");
    }

    private static void closeQuietly(ServerSocketChannel listener) {
        if (listener != null) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
