package io.pipc.transport.tcp;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.SocketChannels;
import io.pipc.transport.socket.SocketClient;
import io.pipc.transport.socket.SocketPipe;
import io.pipc.transport.socket.SocketServer;
import io.pipc.transport.socket.TlsConduit;

import org.jspecify.annotations.Nullable;

/**
 * Opens TCP servers, connects TCP clients and runs TCP rendezvous, with pipc's defaults:
 * {@code TCP_NODELAY} (a lone small message is not held back: pipc coalesces by itself), TLS
 * when {@link PipeOptions#sslContext()} is set, and no listening beyond loopback unless peers
 * must authenticate: with a secret, or with TLS that checks their certificates (SPEC section 8).
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
        checkExposure("server '" + name + "'", address.getAddress(), options, options.tlsClientAuth());
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open(SocketChannels.family(address.getAddress()));
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(address, 1024);
            return SocketServer.start(name, Transport.TCP, options, listener, new SocketServer.Admission() {
                @Override
                public Conduit admit(SocketChannel socket) throws IOException {
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    return acceptedConduit(socket, options, options.tlsClientAuth(), null, SocketChannels.remoteAddress(socket));
                }

                @Override
                public String describe(SocketChannel socket) {
                    return SocketChannels.remoteAddress(socket);
                }
            }, () -> { });
        } catch (IOException e) {
            SocketChannels.closeQuietly(listener);
            throw new PipeException("server '" + name + "': cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param address the server
     * @param options timeouts, secret, TLS
     * @return the connected pipe
     */
    public static SocketPipe connect(InetSocketAddress address, PipeOptions options) {
        String name = options.name() != null ? options.name() : "tcp:" + address.getHostString() + ":" + address.getPort();
        if (address.isUnresolved()) {
            throw new PipeException("pipe '" + name + "': cannot resolve host " + address.getHostString());
        }
        return SocketClient.connect(name, Transport.TCP, SocketChannels.family(address.getAddress()), address, options, socket -> {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return connectingConduit(socket, options, address.getHostString(), address.getPort());
        });
    }

    /**
     * pIPC's rendezvous: both hosts call this with each other's address and the same port.
     *
     * @param host the other host
     * @param port the port both sides use, 1 to 65535
     * @param options timeouts, secret, TLS, local address
     * @return the connected pipe
     */
    public static Pipe remote(String host, int port, PipeOptions options) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(options, "options");
        String name = options.name() != null ? options.name() : "tcp-rendezvous:" + host + ":" + port;
        if (host.isBlank()) {
            throw new IllegalArgumentException("pipe '" + name + "': host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("pipe '" + name + "': port must be between 1 and 65535 (was " + port + ")");
        }
        if (options.wire() == Wire.PYTHON) {
            throw new IllegalArgumentException("pipe '" + name + "': the Python wire has no rendezvous"
                    + " (multiprocessing.connection only has Listener and Client); use Pipes.server(...) on one host"
                    + " and Pipes.connect(...) on the other, or wire=NATIVE on both");
        }
        InetAddress peer;
        try {
            peer = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new PipeException("pipe '" + name + "': cannot resolve host " + host + ": " + e.getMessage(), e);
        }
        InetAddress local = localAddressFor(peer, options);
        if (SocketChannels.family(local) != SocketChannels.family(peer) && !local.isAnyLocalAddress()) {
            throw new IllegalArgumentException("pipe '" + name + "': localAddress " + local.getHostAddress()
                    + " and the peer's address " + peer.getHostAddress() + " are of different IP versions");
        }
        // A TLS rendezvous always requires the peer's certificate (Rendezvous.layer).
        checkExposure("pipe '" + name + "'", local, options, true);
        return new Rendezvous(name, host, new InetSocketAddress(peer, port), new InetSocketAddress(local, port), options).pair();
    }

    /** The configured local address, else loopback for a loopback peer and every interface for any other. */
    private static InetAddress localAddressFor(InetAddress peer, PipeOptions options) {
        InetAddress configured = options.localAddress();
        if (configured != null) {
            return configured;
        }
        boolean v6 = peer instanceof Inet6Address;
        try {
            if (peer.isLoopbackAddress()) {
                return v6 ? InetAddress.getByName("::1") : InetAddress.getByName("127.0.0.1");
            }
            return v6 ? InetAddress.getByName("::") : InetAddress.getByName("0.0.0.0");
        } catch (UnknownHostException e) {
            throw new IllegalStateException("literal addresses always resolve", e);
        }
    }

    /**
     * The layer of a connection this end accepted: TLS as the server when the options have an
     * SSLContext, else plain.
     *
     * @param socket the accepted socket, non-blocking
     * @param options the SSLContext, if any, with its versions, cipher suites and hostname verification
     * @param requireClientCertificate whether the client must present a trusted certificate
     * @param clientHost the host the client's certificate must name (unless hostname
     *        verification is off), or null for any trusted client
     * @param peer who connected, for errors
     * @return the conduit
     * @throws IOException when TLS cannot start
     */
    static Conduit acceptedConduit(SocketChannel socket, PipeOptions options, boolean requireClientCertificate,
            @Nullable String clientHost, String peer) throws IOException {
        if (options.sslContext() == null) {
            return SocketClient.plain(socket);
        }
        return TlsConduit.server(socket, options, requireClientCertificate, clientHost, peer);
    }

    /**
     * The layer of a connection this end made: TLS as the client when the options have an
     * SSLContext (checking the server's host name unless turned off), else plain.
     *
     * @param socket the socket, non-blocking
     * @param options the SSLContext, if any, with its versions, cipher suites and hostname verification
     * @param host the server's host as the application named it
     * @param port the server's port
     * @return the conduit
     * @throws IOException when TLS cannot start
     */
    static Conduit connectingConduit(SocketChannel socket, PipeOptions options, String host, int port) throws IOException {
        if (options.sslContext() == null) {
            return SocketClient.plain(socket);
        }
        return TlsConduit.client(socket, options, host, port);
    }

    /**
     * SPEC section 8: an end reachable from other hosts must authenticate its peers, with a
     * secret or with client certificates. TLS that does not ask for one only encrypts: any host
     * can still connect.
     *
     * @param what the server or pipe, for the message
     * @param address where it would listen
     * @param options its secret and TLS
     * @param tlsChecksPeers whether TLS, when the options have an SSLContext, requires the peer's certificate
     */
    static void checkExposure(String what, InetAddress address, PipeOptions options, boolean tlsChecksPeers) {
        boolean tls = options.sslContext() != null;
        if (address.isLoopbackAddress() || options.hasSecret() || (tls && tlsChecksPeers)) {
            return;
        }
        String where = address.isAnyLocalAddress() ? "every interface (" + address.getHostAddress() + ")" : address.getHostAddress();
        String loopback = "or listen on loopback (new InetSocketAddress(InetAddress.getLoopbackAddress(), port) for a server,"
                + " PipeOptions.localAddress(InetAddress.getLoopbackAddress()) for a rendezvous)";
        if (tls) {
            throw new PipeException(what + ": refusing to listen on " + where + " with TLS that does not ask clients"
                    + " for a certificate (tlsClientAuth is false): TLS then only encrypts, and any host could connect."
                    + " Set PipeOptions.tlsClientAuth(true) (clients then need a certificate the SSLContext trusts)"
                    + " or PipeOptions.secret(...), " + loopback);
        }
        throw new PipeException(what + ": refusing to listen on " + where
                + " without authentication: other hosts could connect. Set PipeOptions.secret(...), or"
                + " PipeOptions.sslContext(...) with PipeOptions.tlsClientAuth(true), " + loopback);
    }

}
