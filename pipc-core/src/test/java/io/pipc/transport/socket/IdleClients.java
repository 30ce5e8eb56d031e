package io.pipc.transport.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process for {@link IdleClientsMemoryTest}: opens N plain TCP connections to a port on
 * the loopback, says so on stdout, and holds them, idle, until its stdin ends. Living in a
 * process of its own, the clients' memory does not count against the server's.
 */
public final class IdleClients {

    private IdleClients() {
    }

    /**
     * @param args the server's port, then how many connections
     * @throws IOException when a connection fails
     */
    public static void main(String[] args) throws IOException {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        int count = Integer.parseInt(args[1]);
        List<SocketChannel> connections = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            connections.add(SocketChannel.open(server));
        }
        System.out.println("connected " + connections.size());
        System.out.flush();
        while (System.in.read() >= 0) {
            // Hold the connections until the test closes this process's stdin.
        }
        for (SocketChannel connection : connections) {
            connection.close();
        }
    }
}
