package io.pipc.boot.autoconfigure;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

/**
 * Ports for TCP rendezvous tests. A rendezvous cannot use port 0, since both sides must know
 * the port in advance; the tests play two hosts with 127.0.0.1 and 127.0.0.2.
 */
public final class RendezvousPorts {

    private RendezvousPorts() {
    }

    /**
     * @return a port free on both 127.0.0.1 and 127.0.0.2 a moment ago
     * @throws IOException when no socket can be bound at all
     */
    public static int freeOnBothHosts() throws IOException {
        while (true) {
            try (ServerSocketChannel first = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.2", 0))) {
                int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
                try (ServerSocketChannel second = ServerSocketChannel.open()) {
                    second.bind(new InetSocketAddress("127.0.0.1", port));
                    return port;
                }
                catch (BindException taken) {
                    // try another
                }
            }
        }
    }
}
