package io.pipc.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

/**
 * How many clients one pipc TCP server holds at once: a server JVM accepts {@code count}
 * clients that a second JVM (this one) keeps connected, all at the same time; every client
 * then sends its number and must get its own number back. Each JVM needs a descriptor per
 * connection, so the operating system's limit per process ({@code ulimit -n}) caps the count.
 *
 * <pre>java -cp pipc-benchmarks/target/pipc-benchmarks.jar io.pipc.benchmarks.ManyClients 19000</pre>
 */
public final class ManyClients {

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private ManyClients() {
    }

    /**
     * @param args the number of clients; or {@code server <count> <port file>} for the server side
     * @throws Exception when anything fails: the run proves nothing then
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("server")) {
            serve(Integer.parseInt(args[1]), Path.of(args[2]));
        } else {
            run(args.length == 0 ? 10_000 : Integer.parseInt(args[0]));
        }
    }

    private static void run(int count) throws Exception {
        Path portFile = Files.createTempFile("pipc-many-clients", ".port");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), ManyClients.class.getName(),
                "server", String.valueOf(count), portFile.toString()).inheritIO().start();
        try {
            int port = awaitPort(portFile, server);
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            PipeOptions options = PipeOptions.builder().connectTimeout(PATIENCE).heartbeat(Duration.ofSeconds(30)).build();
            List<Pipe> clients = new ArrayList<>(count);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                clients.add(Pipes.connect(address, options));
            }
            System.out.printf("clients: %,d connected in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
            for (int i = 0; i < count; i++) {
                clients.get(i).write(ByteBuffer.allocate(4).putInt(i).array());
            }
            for (int i = 0; i < count; i++) {
                int answer = ByteBuffer.wrap(clients.get(i).read(PATIENCE)).getInt();
                if (answer != i) {
                    throw new IllegalStateException("client " + i + " got the answer for client " + answer);
                }
            }
            System.out.printf("clients: every one of %,d clients got its own answer while all were connected%n", count);
            for (Pipe client : clients) {
                client.close();
            }
            if (!server.waitFor(120, TimeUnit.SECONDS) || server.exitValue() != 0) {
                throw new IllegalStateException("the server did not end cleanly");
            }
        } finally {
            server.destroyForcibly();
            Files.deleteIfExists(portFile);
        }
    }

    private static void serve(int count, Path portFile) throws IOException {
        int threadsBefore = Thread.activeCount();
        PipeOptions options = PipeOptions.builder().maxConnections(count).heartbeat(Duration.ofSeconds(30)).build();
        try (PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options)) {
            Files.writeString(portFile, String.valueOf(((InetSocketAddress) server.address()).getPort()));
            List<Pipe> clients = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                clients.add(server.accept(PATIENCE));
            }
            int threadsHolding = Thread.activeCount();
            Runtime runtime = Runtime.getRuntime();
            System.gc();
            long heap = runtime.totalMemory() - runtime.freeMemory();
            for (Pipe client : clients) {
                client.write(client.read(PATIENCE));
            }
            System.out.printf("server: held %,d clients at once; threads %d before, %d while holding them; heap in use %,d MB%n",
                    count, threadsBefore, threadsHolding, heap / (1024 * 1024));
            for (Pipe client : clients) {
                try {
                    client.read(PATIENCE);
                } catch (PeerClosedException gone) {
                    client.close();
                }
            }
        }
    }

    private static int awaitPort(Path portFile, Process server) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (Files.size(portFile) == 0) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the server did not start");
            }
            Thread.sleep(20);
        }
        return Integer.parseInt(Files.readString(portFile).strip());
    }
}
