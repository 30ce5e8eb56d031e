package io.pipc.transport.unix;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Transport;
import io.pipc.transport.socket.Conduit;
import io.pipc.transport.socket.SocketClient;
import io.pipc.transport.socket.SocketPipe;
import io.pipc.transport.socket.SocketServer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens Unix domain socket servers and connects their clients. The server removes its socket
 * file when it closes.
 */
public final class UnixTransport {

    private static final Logger log = LoggerFactory.getLogger(UnixTransport.class);

    private UnixTransport() {
    }

    /**
     * @param address the socket file to create
     * @param options for every client's pipe
     * @return the listening server
     */
    public static PipeServer server(UnixDomainSocketAddress address, PipeOptions options) {
        Path path = address.getPath();
        String name = options.name() != null ? options.name() : "unix-server:" + path.getFileName();
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(address, 1024);
            return SocketServer.start(name, Transport.UNIX, options, listener, new SocketServer.Admission() {
                @Override
                public Conduit admit(SocketChannel socket) {
                    return SocketClient.plain(socket);
                }

                @Override
                public String describe(SocketChannel socket) {
                    return "on " + path;
                }
            }, () -> removeSocketFile(path));
        } catch (IOException e) {
            if (listener != null) {
                try {
                    listener.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            throw new PipeException("server '" + name + "': cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param address the server's socket file
     * @param options timeouts, secret
     * @return the connected pipe
     */
    public static SocketPipe connect(UnixDomainSocketAddress address, PipeOptions options) {
        String name = options.name() != null ? options.name() : "unix:" + address.getPath().getFileName();
        return SocketClient.connect(name, Transport.UNIX, StandardProtocolFamily.UNIX, address, options, SocketClient::plain);
    }

    private static void removeSocketFile(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("could not remove socket file {}: {}", path, e.getMessage());
        }
    }
}
