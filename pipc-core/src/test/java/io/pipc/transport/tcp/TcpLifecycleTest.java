package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Selectable;
import io.pipc.testing.LiveThreads;
import io.pipc.transport.socket.SocketServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many clients, heartbeats and closing, over TCP: a thousand clients on a few threads, a frozen
 * peer found by heartbeats, and servers closed while clients are connected.
 */
@Timeout(90)
class TcpLifecycleTest {

    @TempDir
    Path logs;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (AutoCloseable closeable : toClose) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // already failed
            }
        }
    }

    private static SocketServer server(PipeOptions options) {
        return (SocketServer) Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
    }

    @Test
    void aThousandClientsAtOnceEachKeepTheirOrderWhileTheServerThreadsStayFewAndEverythingIsReleasedAfter()
            throws Exception {
        int clients = 1000;
        int perClient = 20;
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int i = 0; i < writers; i++) {
                pool.submit(() -> { }).get(); // the pool's threads exist before the baseline
            }
            warmUp();
            long fdsBefore = openFileDescriptors();
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            // Event loops exist while sockets do: the server starts at most one per core, four at most.
            int loops = Math.min(4, Runtime.getRuntime().availableProcessors());

            SocketServer server = server(PipeOptions.builder().maxConnections(clients + 10).build());
            List<List<Pipe>> clientsByWriter = new ArrayList<>();
            List<Future<List<Pipe>>> connecting = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                connecting.add(pool.submit(() -> {
                    List<Pipe> mine = new ArrayList<>();
                    for (int c = 0; c < clients / writers; c++) {
                        mine.add(Pipes.connect(server.address()));
                    }
                    return mine;
                }));
            }
            List<Pipe> accepted = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                accepted.add(server.accept(Duration.ofSeconds(30)));
            }
            for (Future<List<Pipe>> mine : connecting) {
                clientsByWriter.add(mine.get(30, TimeUnit.SECONDS));
            }
            assertThat(server.connections()).isEqualTo(clients);
            assertThat(pipcThreads()).as("pipc threads with %d clients connected", clients).isLessThanOrEqualTo(loops);
            assertThat(ManagementFactory.getThreadMXBean().getThreadCount()).isLessThanOrEqualTo(threadsBefore + loops);

            // Each writer thread interleaves its clients' messages; each client's own order must hold.
            List<Future<?>> writing = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<Pipe> mine = clientsByWriter.get(w);
                int first = w * (clients / writers);
                writing.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        for (int c = 0; c < mine.size(); c++) {
                            mine.get(c).write(ByteBuffer.allocate(8).putInt(first + c).putInt(i).array());
                        }
                    }
                    return null;
                }));
            }
            Map<Pipe, int[]> expected = new HashMap<>();
            int received = 0;
            while (received < clients * perClient) {
                for (Selectable ready : Pipes.select(accepted, Duration.ofSeconds(10))) {
                    Pipe pipe = (Pipe) ready;
                    for (byte[] message : pipe.pending()) {
                        ByteBuffer buffer = ByteBuffer.wrap(message);
                        int id = buffer.getInt();
                        int[] state = expected.computeIfAbsent(pipe, p -> new int[] {id, 0});
                        assertThat(id).as("client id on one server pipe").isEqualTo(state[0]);
                        assertThat(buffer.getInt()).as("message number from client %d", id).isEqualTo(state[1]++);
                        received++;
                    }
                }
            }
            for (Future<?> writer : writing) {
                writer.get(30, TimeUnit.SECONDS);
            }
            assertThat(expected).hasSize(clients).allSatisfy((pipe, state) -> assertThat(state[1]).isEqualTo(perClient));

            // And back: the server answers every client, which read theirs with select, few threads again.
            for (Pipe pipe : accepted) {
                pipe.write(ByteBuffer.allocate(4).putInt(expected.get(pipe)[0]).array());
            }
            List<Future<?>> reading = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<Pipe> mine = new ArrayList<>(clientsByWriter.get(w));
                int first = w * (clients / writers);
                List<Pipe> all = List.copyOf(mine);
                reading.add(pool.submit(() -> {
                    while (!mine.isEmpty()) {
                        for (Selectable ready : Pipes.select(mine, Duration.ofSeconds(10))) {
                            Pipe pipe = (Pipe) ready;
                            int id = ByteBuffer.wrap(pipe.read(Duration.ZERO)).getInt();
                            assertThat(id).isEqualTo(first + all.indexOf(pipe));
                            mine.remove(pipe);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> reader : reading) {
                reader.get(30, TimeUnit.SECONDS);
            }

            for (List<Pipe> mine : clientsByWriter) {
                mine.forEach(Pipe::close);
            }
            for (Pipe pipe : accepted) {
                assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
                pipe.close();
            }
            server.close();
            await().pollInSameThread().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> openFileDescriptors() <= fdsBefore
                            && ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore);
            assertThat(server.connections()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFrozenPeerIsFoundWithinThreeHeartbeatsWhileAnIdleHealthyPeerStaysUp() throws Exception {
        Duration heartbeat = Duration.ofMillis(300);
        PipeOptions options = PipeOptions.builder().heartbeat(heartbeat).build();
        PipeServer server = server(options);
        toClose.add(server);
        Pipe healthy = Pipes.connect(server.address(), options);
        toClose.add(healthy);
        Pipe healthyServerSide = server.accept(Duration.ofSeconds(10));
        toClose.add(healthyServerSide);

        Process child = startJava(HeartbeatPeer.class, "127.0.0.1",
                String.valueOf(((InetSocketAddress) server.address()).getPort()), String.valueOf(heartbeat.toMillis()));
        try {
            Pipe frozenServerSide = server.accept(Duration.ofSeconds(30));
            toClose.add(frozenServerSide);
            assertThat(frozenServerSide.readString(Duration.ofSeconds(30))).isEqualTo("ready");

            signal(child, "STOP");

            // Silent for three intervals means dead; the second allows for the loop's tick and a busy machine.
            assertThatThrownBy(() -> frozenServerSide.read(heartbeat.multipliedBy(3).plusSeconds(1)))
                    .isInstanceOf(PeerClosedException.class).hasMessageContaining("heartbeat");
            assertThatThrownBy(() -> healthyServerSide.read(heartbeat.multipliedBy(4)))
                    .isInstanceOf(PipeTimeoutException.class);
            healthy.write("still here after idling");
            assertThat(healthyServerSide.readString(Duration.ofSeconds(5))).isEqualTo("still here after idling");
        } finally {
            signal(child, "CONT");
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closingAServerAndTheAcceptedPipesEndsEveryClientWithPeerClosed() throws Exception {
        SocketServer server = server(PipeOptions.defaults());
        List<Pipe> clients = connect(server, 100);
        List<Pipe> accepted = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            accepted.add(server.accept(Duration.ofSeconds(10)));
        }

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            server.close();
            accepted.forEach(Pipe::close);
        });

        for (Pipe client : clients) {
            assertThatThrownBy(() -> client.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
        }
    }

    @Test
    void closeWithClientsEndsTheServerAndEveryClientAcceptedOrNotWithoutWaiting() throws Exception {
        SocketServer server = server(PipeOptions.defaults());
        List<Pipe> clients = connect(server, 100);
        List<Pipe> accepted = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            accepted.add(server.accept(Duration.ofSeconds(10)));
        }
        accepted.forEach(pipe -> pipe.write("last words"));

        // Well under the 5 s a lingering close would take, with room for a slow machine.
        assertTimeoutPreemptively(Duration.ofSeconds(4), server::closeWithClients);

        assertThat(server.isOpen()).isFalse();
        assertThat(accepted).noneMatch(Pipe::isOpen);
        int toldLastWords = 0;
        for (Pipe client : clients) {
            try {
                assertThat(client.readString(Duration.ofSeconds(10))).isEqualTo("last words");
                toldLastWords++;
            } catch (PeerClosedException notAccepted) {
                continue;
            }
            assertThatThrownBy(() -> client.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class);
        }
        assertThat(toldLastWords).as("clients whose pipe was accepted, and got what it wrote before the close").isEqualTo(60);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 0);
    }

    private List<Pipe> connect(PipeServer server, int count) {
        List<Pipe> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Pipe client = Pipes.connect(server.address());
            toClose.add(client);
            clients.add(client);
        }
        return clients;
    }

    /** Makes sure the event loops exist, so that they are part of every baseline. */
    private static void warmUp() {
        try (PipeServer server = server(PipeOptions.defaults())) {
            for (int i = 0; i < 8; i++) {
                try (Pipe client = Pipes.connect(server.address()); Pipe accepted = server.accept(Duration.ofSeconds(10))) {
                    client.write("warm");
                    accepted.read(Duration.ofSeconds(10));
                }
            }
        }
    }

    private static long pipcThreads() {
        return LiveThreads.named("pipc-").size();
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private Process startJava(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve("child.log").toFile()).start();
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}
