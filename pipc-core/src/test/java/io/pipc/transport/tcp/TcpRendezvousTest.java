package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.Wire;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Pipes.remote}: two hosts played by two loopback addresses, 127.0.0.1 ("A") and
 * 127.0.0.2 ("B"), which Linux routes to this host.
 */
@Timeout(60)
class TcpRendezvousTest {

    private static final InetAddress A = address("127.0.0.1");
    private static final InetAddress B = address("127.0.0.2");

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static PipeOptions on(InetAddress local) {
        return PipeOptions.builder().localAddress(local).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void twoSidesStartingAtTheSameInstantPairFiftyTimesInARow() throws Exception {
        pairAtTheSameInstant(50, on(A), on(B));
    }

    @Test
    void twoSidesWithTheSecretStartingAtTheSameInstantPairTwentyTimesInARow() throws Exception {
        // Both sides live in this process: each handshake meets a challenge of this process's, from
        // the other end of its own connection, which is not a relay and must be answered.
        pairAtTheSameInstant(20, on(A).toBuilder().secret("shared").build(), on(B).toBuilder().secret("shared").build());
    }

    private void pairAtTheSameInstant(int rounds, PipeOptions onA, PipeOptions onB) throws Exception {
        for (int round = 0; round < rounds; round++) {
            int port = freePortOnBoth();
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Pipe> a = threads.submit(() -> {
                start.await();
                return Pipes.remote("127.0.0.2", port, onA);
            });
            Future<Pipe> b = threads.submit(() -> {
                start.await();
                return Pipes.remote("127.0.0.1", port, onB);
            });
            try (Pipe left = a.get(20, TimeUnit.SECONDS); Pipe right = b.get(20, TimeUnit.SECONDS)) {
                left.write("from A, round " + round);
                right.write("from B, round " + round);
                assertThat(right.readString(Duration.ofSeconds(5))).isEqualTo("from A, round " + round);
                assertThat(left.readString(Duration.ofSeconds(5))).isEqualTo("from B, round " + round);
                assertThat(left.transport()).isEqualTo(Transport.TCP);
            }
        }
    }

    @Test
    void onOneAddressWhoeverComesFirstListensAndTheOtherConnects() throws Exception {
        int port = freePortOnBoth();
        Future<Pipe> first = threads.submit(() -> Pipes.remote("127.0.0.1", port, on(A)));
        await().atMost(Duration.ofSeconds(10)).until(() -> isListening(new InetSocketAddress(A, port)));

        try (Pipe second = Pipes.remote("127.0.0.1", port, on(A))) {
            Pipe firstEnd = first.get(20, TimeUnit.SECONDS);
            second.write("second");
            assertThat(firstEnd.readString(Duration.ofSeconds(5))).isEqualTo("second");
            firstEnd.close();
            assertThatThrownBy(() -> second.read(Duration.ofSeconds(5))).isInstanceOf(PeerClosedException.class);
        }
    }

    @Test
    void aRendezvousNobodyJoinsTimesOutAndLeavesNothingListening() throws Exception {
        int port = freePortOnBoth();
        PipeOptions quick = on(A).toBuilder().connectTimeout(Duration.ofMillis(300)).build();

        assertThatThrownBy(() -> Pipes.remote("127.0.0.2", port, quick)).isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("no peer paired").hasMessageContaining("port " + port);

        assertThat(isListening(new InetSocketAddress(A, port))).isFalse();
    }

    @Test
    void aThirdPartyThatIsNoRendezvousPeerIsRefusedAndTheRendezvousThenPairs() throws Exception {
        int port = freePortOnBoth();
        Future<Pipe> onA = threads.submit(() -> Pipes.remote("127.0.0.2", port, on(A)));
        InetSocketAddress listening = new InetSocketAddress(A, port);
        await().atMost(Duration.ofSeconds(10)).until(() -> isListening(listening));

        try (SocketChannel http = SocketChannel.open(listening)) {
            http.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readUntilClosed(http)).startsWith("PIPR"); // A's hello, then the end
        }

        try (Pipe b = Pipes.remote("127.0.0.1", port, on(B)); Pipe a = onA.get(20, TimeUnit.SECONDS)) {
            b.write("the real peer");
            assertThat(a.readString(Duration.ofSeconds(5))).isEqualTo("the real peer");
        }
    }

    @Test
    void aThirdPartyWithAWrongPrefaceAfterTheCommitIsRefusedAndTheRendezvousThenPairs() throws Exception {
        int port = freePortOnBoth();
        Future<Pipe> onA = threads.submit(() -> Pipes.remote("127.0.0.2", port, on(A)));
        InetSocketAddress listening = new InetSocketAddress(A, port);
        await().atMost(Duration.ofSeconds(10)).until(() -> isListening(listening));

        try (SocketChannel intruder = SocketChannel.open(listening)) {
            // Id 1 is the lowest there is, so A leads and commits this connection once it has its hello.
            intruder.write(ByteBuffer.wrap(RendezvousHello.encode(1)));
            ByteBuffer helloAndCommit = ByteBuffer.allocate(RendezvousHello.LENGTH + 1);
            while (helloAndCommit.hasRemaining() && intruder.read(helloAndCommit) >= 0) {
                // A's hello, then its commit byte
            }
            assertThat(helloAndCommit.get(RendezvousHello.LENGTH)).isEqualTo(RendezvousHello.COMMIT);
            intruder.write(ByteBuffer.wrap("SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII)));
            readUntilClosed(intruder);
        }

        try (Pipe b = Pipes.remote("127.0.0.1", port, on(B)); Pipe a = onA.get(20, TimeUnit.SECONDS)) {
            a.write("paired after the intruder");
            assertThat(b.readString(Duration.ofSeconds(5))).isEqualTo("paired after the intruder");
        }
    }

    @Test
    void aThirdPartyWithAWrongSecretIsRefusedAndTheRendezvousThenPairsWithThePeer() throws Exception {
        int port = freePortOnBoth();
        PipeOptions right = on(A).toBuilder().secret("right").build();
        Future<Pipe> onA = threads.submit(() -> Pipes.remote("127.0.0.2", port, right));
        await().atMost(Duration.ofSeconds(10)).until(() -> isListening(new InetSocketAddress(A, port)));

        PipeOptions wrong = on(B).toBuilder().secret("wrong").connectTimeout(Duration.ofMillis(1500)).build();
        assertThatThrownBy(() -> Pipes.remote("127.0.0.1", port, wrong)).isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("secret").hasCauseInstanceOf(AuthenticationException.class);
        assertThat(onA).isNotDone();

        try (Pipe b = Pipes.remote("127.0.0.1", port, on(B).toBuilder().secret("right").build());
                Pipe a = onA.get(20, TimeUnit.SECONDS)) {
            b.write("authenticated");
            assertThat(a.readString(Duration.ofSeconds(5))).isEqualTo("authenticated");
        }
    }

    @Test
    void aSideWithoutTheSecretIsToldSoWhenItsRendezvousTimesOut() throws Exception {
        int port = freePortOnBoth();
        Future<Pipe> onA = threads.submit(() -> Pipes.remote("127.0.0.2", port,
                on(A).toBuilder().secret("right").connectTimeout(Duration.ofMillis(1500)).build()));

        assertThatThrownBy(() -> Pipes.remote("127.0.0.1", port, on(B).toBuilder().connectTimeout(Duration.ofMillis(1500)).build()))
                .isInstanceOf(PipeTimeoutException.class).hasMessageContaining("secret");
        assertThatThrownBy(() -> onA.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("no secret");
    }

    @Test
    void thePythonWireHasNoRendezvous() {
        assertThatThrownBy(() -> Pipes.remote("127.0.0.2", 7001, on(A).toBuilder().wire(Wire.PYTHON).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Python wire has no rendezvous")
                .hasMessageContaining("Pipes.server");
    }

    @Test
    void aBadPortOrHostIsRefusedClearly() {
        assertThatThrownBy(() -> Pipes.remote("127.0.0.2", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port must be between 1 and 65535 (was 0)");
        assertThatThrownBy(() -> Pipes.remote("127.0.0.2", 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(was 65536)");
        assertThatThrownBy(() -> Pipes.remote(" ", 7001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host");
        assertThatThrownBy(() -> Pipes.remote("no-such-host.invalid", 7001)).isInstanceOf(PipeException.class)
                .hasMessageContaining("cannot resolve host no-such-host.invalid");
    }

    @Test
    void aRendezvousWithAnotherHostNeedsASecretOrTlsToListenOnEveryInterface() {
        // 192.0.2.1 is TEST-NET-1: never a real host, so nothing is ever sent there.
        assertThatThrownBy(() -> Pipes.remote("192.0.2.1", 7001)).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing to listen on every interface").hasMessageContaining("secret")
                .hasMessageContaining("localAddress");
    }

    @Test
    void aLocalAddressThatIsNotThisHostsIsRefusedClearly() throws Exception {
        PipeOptions elsewhere = on(address("192.0.2.1")).toBuilder().secret("s").build();

        assertThatThrownBy(() -> Pipes.remote("192.0.2.2", freePortOnBoth(), elsewhere)).isInstanceOf(PipeException.class)
                .hasMessageContaining("cannot listen on").hasMessageContaining("localAddress");
    }

    /** A port free on both 127.0.0.1 and 127.0.0.2. */
    static int freePortOnBoth() throws IOException {
        while (true) {
            try (ServerSocketChannel first = ServerSocketChannel.open().bind(new InetSocketAddress(B, 0))) {
                int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
                ServerSocketChannel second = ServerSocketChannel.open();
                try {
                    second.bind(new InetSocketAddress(A, port));
                    return port;
                } catch (BindException taken) {
                    // try another
                } finally {
                    second.close();
                }
            }
        }
    }

    private static boolean isListening(InetSocketAddress address) throws IOException {
        try (SocketChannel probe = SocketChannel.open()) {
            probe.connect(address);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    /** Reads what the other end sends until it closes the connection. */
    private static String readUntilClosed(SocketChannel channel) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(4096);
        try {
            while (channel.read(received) >= 0) {
                if (!received.hasRemaining()) {
                    throw new AssertionError("the peer kept sending instead of closing");
                }
            }
        } catch (IOException reset) {
            // a reset ends the connection as well
        }
        return new String(received.array(), 0, received.position(), StandardCharsets.ISO_8859_1);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
