package io.pipc.transport.socket;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;

/**
 * A child process for {@link IdleClientsMemoryTest}: a server that accepts N idle clients and
 * says what they cost it. In a JVM of its own, nothing but the server lives on its heap, so no
 * other test's garbage, or direct buffers their cleaner has yet to free, moves the figure.
 *
 * <p>It prints {@code port P}, accepts the clients, prints {@code bytes-per-client B} (heap and
 * direct memory in use after collections, less what was in use before the first accept), and
 * holds the pipes until its stdin ends.
 */
public final class IdleServer {

    private IdleServer() {
    }

    /**
     * @param args how many clients to accept
     * @throws Exception when the server fails or a client is not accepted within a minute
     */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        PipeOptions options = PipeOptions.builder().wire(Wire.PYTHON).maxConnections(count + 100).build();
        List<Pipe> clients = new ArrayList<>(count);
        try (PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options)) {
            long before = usedMemory();
            System.out.println("port " + ((InetSocketAddress) server.address()).getPort());
            System.out.flush();
            while (clients.size() < count) {
                Pipe client = server.accept(Duration.ofSeconds(60));
                if (!client.isOpen()) {
                    throw new IllegalStateException("client " + clients.size() + " was accepted closed");
                }
                clients.add(client);
            }
            long perClient = (usedMemory() - before) / count;
            System.out.println("bytes-per-client " + perClient);
            System.out.flush();
            while (System.in.read() >= 0) {
                // Hold the pipes until the test closes this process's stdin.
            }
        } finally {
            clients.forEach(Pipe::close);
        }
    }

    /** Heap in use after collections, plus the direct buffers' memory. */
    private static long usedMemory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + direct;
    }
}
