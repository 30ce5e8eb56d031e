package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.AuthenticationException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.testing.LogCapture;
import io.pipc.transport.socket.SocketServer;
import io.pipc.testing.CloseAll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import ch.qos.logback.classic.Level;

/**
 * Authentication over real TCP connections: each failure is an {@link AuthenticationException}
 * where there is an API to see it, a closed connection, no message delivered to the server's
 * application, a count on the server, and a server that goes on serving others.
 */
@Timeout(60)
class TcpAuthenticationTest {

    private static final PipeOptions RIGHT = PipeOptions.builder().secret("right secret")
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();
    private SocketServer server;

    @BeforeEach
    void startServer() {
        server = (SocketServer) Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                RIGHT.toBuilder().handshakeTimeout(Duration.ofSeconds(2)).build());
        toClose.add(server);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            CloseAll.of(toClose);
        } finally {
            threads.shutdownNow();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private Pipe connect(PipeOptions options) {
        Pipe pipe = Pipes.connect(server.address(), options);
        toClose.add(pipe);
        return pipe;
    }

    private RawPeer raw() throws IOException {
        RawPeer peer = RawPeer.connect(server.address());
        toClose.add(peer);
        return peer;
    }

    /** The server delivered nothing, counted the failure, and still serves a client with the secret. */
    private void assertRefusedAndStillServing(long authenticationFailures) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> server.authenticationFailures() == authenticationFailures);
        assertThat(server.refusedConnections()).isGreaterThanOrEqualTo(authenticationFailures);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
        Pipe good = connect(RIGHT);
        Pipe accepted = server.accept(Duration.ofSeconds(10));
        toClose.add(accepted);
        good.write("the right one");
        assertThat(accepted.readString(Duration.ofSeconds(5))).isEqualTo("the right one");
        assertThatThrownBy(() -> accepted.read(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aClientWithTheWrongSecretIsRefusedAndNothingItSentIsDelivered() throws Exception {
        assertThatThrownBy(() -> connect(RIGHT.toBuilder().secret("wrong secret").build()))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("secrets differ");

        assertRefusedAndStillServing(1);
    }

    /**
     * A flood of clients with the wrong secret: the first ten failures are a line each, the rest
     * one count when the server closes (here before the minute is over), while the server's
     * counters see every one.
     */
    @Test
    void aFloodOfClientsWithTheWrongSecretIsLoggedTenOneByOneAndTheRestAsACount() throws Exception {
        int clients = 30;
        PipeOptions wrong = RIGHT.toBuilder().secret("wrong secret").build();
        try (LogCapture log = LogCapture.of(SocketServer.class)) {
            for (int i = 0; i < clients; i++) {
                assertThatThrownBy(() -> connect(wrong)).isInstanceOf(AuthenticationException.class);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.authenticationFailures() == clients);

            server.close();

            assertThat(log.lines(Level.WARN)).filteredOn(line -> !line.contains("not logged one by one"))
                    .hasSize(10).allSatisfy(line -> assertThat(line).contains("failed to authenticate"));
            assertThat(log.lines(Level.WARN)).filteredOn(line -> line.contains("not logged one by one"))
                    .singleElement().asString().contains("refused " + (clients - 10) + " more connections within a minute")
                    .contains("failed to authenticate");
        }
    }

    @Test
    void aClientWithoutASecretIsToldTheServerRequiresOne() throws Exception {
        assertThatThrownBy(() -> connect(PipeOptions.builder().connectTimeout(Duration.ofSeconds(10)).build()))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("requires a shared secret and this end has none").hasMessageContaining("PipeOptions.secret");

        assertRefusedAndStillServing(1);
    }

    @Test
    void aClientWithASecretRefusesAServerWithout() throws Exception {
        PipeServer open = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        toClose.add(open);

        assertThatThrownBy(() -> Pipes.connect(open.address(), RIGHT)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("the peer has no secret");
        await().atMost(Duration.ofSeconds(10)).until(() -> ((SocketServer) open).authenticationFailures() == 1);
        assertThatThrownBy(() -> open.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aHandshakeTruncatedByTheClientIsDroppedAndCounted() throws Exception {
        RawPeer truncated = raw();
        truncated.send(RawPeer.preface(true));
        truncated.send(Arrays.copyOf(RawPeer.frame(RawPeer.AUTH_CHALLENGE, new byte[32]), 20));
        truncated.close();

        assertRefusedAndStillServing(1);
    }

    @Test
    void aHandshakeTruncatedByTheServerGivesTheClientAnAuthenticationException() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<?> serving = threads.submit(() -> {
                try (Socket socket = fake.accept(); RawPeer peer = RawPeer.over(socket)) {
                    peer.send(RawPeer.preface(true));
                    peer.send(Arrays.copyOf(RawPeer.frame(RawPeer.AUTH_CHALLENGE, new byte[32]), 20));
                }
                return null;
            });

            assertThatThrownBy(() -> Pipes.connect(fake.getLocalSocketAddress(), RIGHT))
                    .isInstanceOf(AuthenticationException.class).hasMessageContaining("during authentication")
                    .hasMessageContaining("not authenticated");
            serving.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatStallsInItsHandshakeIsCutOffAtTheDeadline() throws Exception {
        RawPeer stalled = raw();
        stalled.send(RawPeer.preface(true));

        byte[] received = stalled.readUntilClosed(Duration.ofSeconds(10));

        assertThat(received).startsWith(RawPeer.preface(true)); // the server's preface and challenge, then the end
        await().atMost(Duration.ofSeconds(5)).until(() -> server.refusedConnections() == 1);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aReplayedHandshakeIsRefusedAndTheMessageBehindItIsNotDelivered() throws Exception {
        RawPeer original = raw();
        original.handshake(RIGHT);
        original.send(RawPeer.frame(RawPeer.DATA, "pay 100".getBytes(StandardCharsets.UTF_8)));
        Pipe originalSession = server.accept(Duration.ofSeconds(10));
        toClose.add(originalSession);
        assertThat(originalSession.readString(Duration.ofSeconds(5))).isEqualTo("pay 100");

        RawPeer replay = raw();
        replay.send(original.sent());
        byte[] answer = replay.readUntilClosed(Duration.ofSeconds(10));

        assertThat(endsWithRefusal(answer)).as("the server answered AUTH_RESULT(01)").isTrue();
        assertRefusedAndStillServing(1);
        assertThatThrownBy(() -> originalSession.read(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aChallengeReflectedBackToTheServerIsRefused() throws Exception {
        RawPeer reflector = raw();
        byte[] opening = reflector.read(8 + 5 + 32, Duration.ofSeconds(10)); // the server's preface and challenge
        byte[] serverNonce = Arrays.copyOfRange(opening, 13, 45);

        reflector.send(RawPeer.preface(true));
        reflector.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, serverNonce));
        byte[] answer = reflector.readUntilClosed(Duration.ofSeconds(10));

        assertThat(containsFrame(answer, RawPeer.AUTH_RESPONSE)).as("no proof was handed out for the reflected nonce").isFalse();
        assertRefusedAndStillServing(1);
    }

    @Test
    void theServerAnswersNoChallengeItSentOnAnotherConnection() throws Exception {
        RawPeer victim = raw();
        byte[] opening = victim.read(8 + 5 + 32, Duration.ofSeconds(10));
        byte[] victimNonce = Arrays.copyOfRange(opening, 13, 45);

        // Try to use the server as an oracle: give it its own nonce as our challenge on a second connection.
        RawPeer oracle = raw();
        oracle.read(8 + 5 + 32, Duration.ofSeconds(10));
        oracle.send(RawPeer.preface(true));
        oracle.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, victimNonce));

        assertThat(oracle.readUntilClosed(Duration.ofSeconds(10))).as("closed without an AUTH_RESPONSE").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.authenticationFailures() == 1);
        victim.send(RawPeer.preface(true));
        victim.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, new byte[32]));
        victim.send(RawPeer.frame(RawPeer.AUTH_RESPONSE, new byte[32]));
        victim.send(RawPeer.frame(RawPeer.DATA, "forged".getBytes(StandardCharsets.UTF_8)));
        assertThat(endsWithRefusal(victim.readUntilClosed(Duration.ofSeconds(10)))).isTrue();
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(200))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aDataFrameBeforeAuthenticationIsNeverDelivered() throws Exception {
        RawPeer sneaky = raw();
        sneaky.send(RawPeer.preface(true));
        sneaky.send(RawPeer.frame(RawPeer.DATA, "let me in".getBytes(StandardCharsets.UTF_8)));

        sneaky.readUntilClosed(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(5)).until(() -> server.refusedConnections() == 1);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aFrameOverFourKibibytesBeforeAuthenticationIsRefusedFromItsHeader() throws Exception {
        // A handshake deadline far beyond the wait below: only the 4 KiB rule can close the connection in time.
        SocketServer patient = (SocketServer) Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                RIGHT.toBuilder().handshakeTimeout(Duration.ofMinutes(5)).build());
        toClose.add(patient);
        try (LogCapture log = LogCapture.of(SocketServer.class)) {
            RawPeer greedy = RawPeer.connect(patient.address());
            toClose.add(greedy);
            greedy.send(RawPeer.preface(true));
            greedy.send(java.nio.ByteBuffer.allocate(5).putInt(4097).put((byte) RawPeer.AUTH_CHALLENGE).array());

            greedy.readUntilClosed(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(5)).until(() -> patient.refusedConnections() == 1);
            assertThat(log.lines(Level.INFO)).anySatisfy(line -> assertThat(line)
                    .contains("sent a AUTH_CHALLENGE frame of 4097 bytes before authentication completed")
                    .contains("at most 4096"));
        }
        assertThatThrownBy(() -> patient.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    /** @return whether the last frame in {@code stream} is AUTH_RESULT(01) */
    private static boolean endsWithRefusal(byte[] stream) {
        int n = stream.length;
        return n >= 6 && stream[n - 2] == RawPeer.AUTH_RESULT && stream[n - 1] == 1
                && stream[n - 6] == 0 && stream[n - 5] == 0 && stream[n - 4] == 0 && stream[n - 3] == 1;
    }

    /** @return whether a frame of {@code type} follows the preface and the challenge in {@code stream} */
    private static boolean containsFrame(byte[] stream, int type) {
        int at = 8;
        while (at + 5 <= stream.length) {
            int length = java.nio.ByteBuffer.wrap(stream, at, 4).getInt();
            if (stream[at + 4] == type) {
                return true;
            }
            at += 5 + length;
        }
        return false;
    }
}
