package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.transport.socket.SocketServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connections that never finish their handshake cannot starve a server or a rendezvous: they
 * have their own cap, apart from {@code maxConnections}, and a per-address cap, so that one host
 * flooding a port with idle connections leaves room for everyone else.
 *
 * <p>"Another host" is this machine's own non-loopback address: loopback addresses are exempt
 * from the per-address cap, since any local process may use any of them.
 */
@Timeout(60)
class TcpHandshakeFloodTest {

    private static final String SECRET = "flood-test-secret";
    /** Long enough that no idle connection of a flood times out while a test runs. */
    private static final Duration PATIENT = Duration.ofSeconds(50);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Closeable closeable : toClose) {
            try {
                closeable.close();
            } catch (IOException | RuntimeException ignored) {
                // best effort
            }
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anIdleHandshakeFloodFromOneAddressDoesNotKeepAnAuthenticatedClientOut() throws Exception {
        InetAddress other = anotherAddress();
        PipeOptions options = PipeOptions.builder().secret(SECRET).handshakeTimeout(PATIENT).build();
        SocketServer server = serve(new InetSocketAddress(wildcardLike(other), 0), options);
        int port = server.address() instanceof InetSocketAddress bound ? bound.getPort() : -1;
        int perAddress = options.maxHandshakingConnectionsPerAddress();

        // 200 connections from one address that connect and send nothing.
        List<SocketChannel> flood = idleConnections(new InetSocketAddress(other, port), 200);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.refusedOverLimits() == 200 - perAddress);

        // The flood goes on while an authenticated client connects from elsewhere.
        Future<List<SocketChannel>> more = threads.submit(() -> idleConnections(new InetSocketAddress(other, port), 300));
        PipeOptions client = options.toBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Pipe pipe = Pipes.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), client);
                Pipe served = server.accept(Duration.ofSeconds(5))) {
            pipe.write("hello");
            assertThat(served.readString(Duration.ofSeconds(5))).isEqualTo("hello");
            served.write("welcome");
            assertThat(pipe.readString(Duration.ofSeconds(5))).isEqualTo("welcome");
        }
        flood.addAll(more.get(20, TimeUnit.SECONDS));

        await().atMost(Duration.ofSeconds(20)).until(() -> server.refusedOverLimits() == 500 - perAddress);
        // A refusal is counted just before its socket is closed: wait for the closing too.
        await().atMost(Duration.ofSeconds(10)).until(() -> closedByTheServer(flood).size() == 500 - perAddress);
        assertThat(server.refusedConnections()).isEqualTo(500 - perAddress);
        assertThat(server.authenticationFailures()).isZero();
    }

    @Test
    void theHandshakeCapMakesNewConnectionsWaitInsteadOfRefusingThem() throws Exception {
        PipeOptions options = PipeOptions.builder().maxHandshakingConnections(2).handshakeTimeout(PATIENT).build();
        SocketServer server = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
        List<SocketChannel> idle = idleConnections(server.address(), 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 2);

        Future<Pipe> waiting = threads.submit(() -> Pipes.connect(server.address(),
                PipeOptions.builder().connectTimeout(Duration.ofSeconds(20)).build()));
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(300))).isInstanceOf(PipeTimeoutException.class);
        assertThat(server.connections()).as("nothing accepted beyond the cap").isEqualTo(2);

        idle.get(0).close();

        try (Pipe served = server.accept(Duration.ofSeconds(10)); Pipe pipe = waiting.get(10, TimeUnit.SECONDS)) {
            pipe.write("made it");
            assertThat(served.readString(Duration.ofSeconds(5))).isEqualTo("made it");
        }
        assertThat(server.refusedOverLimits()).isZero();
    }

    @Test
    void clientsInTheirHandshakeDoNotTakeThePlaceOfAClientThatFinishedIt() throws Exception {
        PipeOptions options = PipeOptions.builder().maxConnections(1).handshakeTimeout(PATIENT).build();
        SocketServer server = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
        idleConnections(server.address(), 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 3);

        try (Pipe pipe = Pipes.connect(server.address()); Pipe served = server.accept(Duration.ofSeconds(5))) {
            pipe.write("in");
            assertThat(served.readString(Duration.ofSeconds(5))).isEqualTo("in");

            // Now the one place is taken: the next client is refused at once.
            SocketChannel late = idleConnections(server.address(), 1).get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.refusedOverLimits() == 1);
            // A refusal is counted just before its socket is closed: wait for the closing too.
            await().atMost(Duration.ofSeconds(10)).until(() -> closedByTheServer(List.of(late)).size() == 1);
        }
    }

    @Test
    void loopbackClientsShareNoPerAddressCap() throws Exception {
        PipeOptions options = PipeOptions.builder().maxHandshakingConnectionsPerAddress(2).handshakeTimeout(PATIENT).build();
        SocketServer server = serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);

        List<SocketChannel> idle = idleConnections(server.address(), 6);

        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() == 6);
        assertThat(server.refusedOverLimits()).isZero();
        assertThat(closedByTheServer(idle)).isEmpty();
    }

    @Test
    void aRendezvousHoldsOnlyItsShareOfConnectionsFromOneAddress() throws Exception {
        InetAddress other = anotherAddress();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int port;
        try (var probe = java.nio.channels.ServerSocketChannel.open().bind(new InetSocketAddress(other, 0))) {
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        PipeOptions common = PipeOptions.builder().secret(SECRET).handshakeTimeout(PATIENT)
                .maxHandshakingConnectionsPerAddress(4).connectTimeout(Duration.ofSeconds(20)).build();
        // A listens on the other address and waits for B on loopback; the flood comes from A's own address.
        Future<Pipe> onA = threads.submit(() -> Pipes.remote(loopback.getHostAddress(), port,
                common.toBuilder().localAddress(other).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> accepts(new InetSocketAddress(other, port)));

        List<SocketChannel> flood = idleConnections(new InetSocketAddress(other, port), 40);

        await().atMost(Duration.ofSeconds(10)).until(() -> closedByTheServer(flood).size() >= 40 - 4);
        assertThat(closedByTheServer(flood)).as("all but 4 closed at once").hasSize(40 - 4);

        try (Pipe b = Pipes.remote(other.getHostAddress(), port, common.toBuilder().localAddress(loopback).build());
                Pipe a = onA.get(20, TimeUnit.SECONDS)) {
            b.write("from B");
            assertThat(a.readString(Duration.ofSeconds(5))).isEqualTo("from B");
        }
    }

    private SocketServer serve(InetSocketAddress address, PipeOptions options) {
        SocketServer server = (SocketServer) Pipes.server(address, options);
        toClose.add(server);
        return server;
    }

    /** Connects {@code count} sockets that send nothing (the kernel completes each TCP connect). */
    private List<SocketChannel> idleConnections(java.net.SocketAddress address, int count) throws IOException {
        List<SocketChannel> opened = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SocketChannel channel = SocketChannel.open(address);
            channel.configureBlocking(false);
            synchronized (toClose) {
                toClose.add(channel);
            }
            opened.add(channel);
        }
        return opened;
    }

    /** @return the sockets whose other end has closed the connection (without waiting) */
    private static List<SocketChannel> closedByTheServer(List<SocketChannel> sockets) {
        List<SocketChannel> closed = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(64);
        for (SocketChannel socket : sockets) {
            try {
                buffer.clear();
                if (socket.read(buffer) < 0) {
                    closed.add(socket);
                }
            } catch (IOException reset) {
                closed.add(socket);
            }
        }
        return closed;
    }

    private static boolean accepts(InetSocketAddress address) {
        try (SocketChannel probe = SocketChannel.open(address)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress anotherAddress() {
        Optional<InetAddress> address = ThisHost.nonLoopbackAddress();
        assumeThat(address).as("this machine has an address besides loopback").isPresent();
        return address.get();
    }

    private static InetAddress wildcardLike(InetAddress address) throws IOException {
        return InetAddress.getByName(address instanceof Inet4Address ? "0.0.0.0" : "::");
    }
}
