package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.AuthenticationException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Wire;
import io.pipc.testing.LogCapture;
import io.pipc.transport.socket.SocketServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import ch.qos.logback.classic.Level;

/**
 * A party that does not know the secret holds two connections with the victim, one on which
 * the victim answers challenges and one on which it must prove itself, and relays the victim's
 * challenge from the second into the first to obtain a proof (issue: "a peer without the secret
 * passes the handshake by reflecting one connection into another"). Each relay is refused
 * before the victim answers it: no proof leaves the victim, no pipe is handed out, nothing the
 * attacker writes is read, and the refusal is logged saying what happened.
 */
@Timeout(60)
class RelayAttackTest {

    private static final InetAddress A = address("127.0.0.1");
    private static final InetAddress B = address("127.0.0.2");
    private static final String SECRET = "a secret the attacker does not know";
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The attacker's rendezvous id: the highest, so that it leads, and commits, on every connection. */
    private static final long LEADING_ID = -1L;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Closeable closeable : toClose) {
            closeable.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRendezvousRefusesItsOwnChallengeRelayedFromTheConnectionItAcceptedIntoTheOneItMade() throws Exception {
        rendezvousRelay(true);
    }

    @Test
    void aRendezvousRefusesItsOwnChallengeRelayedFromTheConnectionItMadeIntoTheOneItAccepted() throws Exception {
        rendezvousRelay(false);
    }

    /**
     * The issue's attack: the attacker sits at the peer's address (the real peer is down), so it
     * receives the victim's outgoing connection, and it also connects to the victim's listener.
     * It leads on both, commits both, and hands the victim, on one of them, the challenge the
     * victim sent on the other.
     */
    private void rendezvousRelay(boolean relayIntoTheConnectionTheVictimMade) throws Exception {
        int port = TcpRendezvousTest.freePortOnBoth();
        ServerSocket atThePeersAddress = closing(new ServerSocket());
        atThePeersAddress.bind(new InetSocketAddress(B, port));
        atThePeersAddress.setSoTimeout((int) WAIT.toMillis());
        PipeOptions options = PipeOptions.builder().localAddress(A).secret(SECRET)
                .connectTimeout(Duration.ofSeconds(4)).handshakeTimeout(Duration.ofSeconds(3)).build();
        try (LogCapture log = LogCapture.of(Rendezvous.class)) {
            Future<Pipe> victim = threads.submit(() -> Pipes.remote("127.0.0.2", port, options));

            RawPeer made = closing(RawPeer.over(atThePeersAddress.accept()));      // the victim is its CONNECTOR
            RawPeer accepted = closing(RawPeer.connect(new InetSocketAddress(A, port))); // the victim is its ACCEPTOR
            for (RawPeer connection : List.of(made, accepted)) {
                connection.send(RendezvousHello.encode(LEADING_ID));
                connection.read(RendezvousHello.LENGTH, WAIT);
                connection.send(new byte[] {RendezvousHello.COMMIT});
            }
            byte[] nonceOnMade = challengeIn(made.read(8 + 5 + 32, WAIT));
            byte[] nonceOnAccepted = challengeIn(accepted.read(8 + 5 + 32, WAIT));

            RawPeer oracle = relayIntoTheConnectionTheVictimMade ? made : accepted;
            byte[] relayed = relayIntoTheConnectionTheVictimMade ? nonceOnAccepted : nonceOnMade;
            oracle.send(RawPeer.preface(true));
            oracle.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, relayed));

            assertThat(oracle.readUntilClosed(WAIT)).as("the victim closed without sending a proof").isEmpty();
            RawPeer other = oracle == made ? accepted : made;
            other.send(RawPeer.preface(true));
            other.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, new byte[32]));
            other.send(RawPeer.frame(RawPeer.AUTH_RESPONSE, new byte[32]));
            other.send(RawPeer.frame(RawPeer.DATA, "forged".getBytes(StandardCharsets.UTF_8)));

            assertThatThrownBy(() -> victim.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(PipeTimeoutException.class)
                    .hasMessageContaining("no peer paired with this end");
            assertThat(log.lines(Level.WARN)).anySatisfy(line -> assertThat(line)
                    .contains("failed to authenticate during the rendezvous")
                    .contains("is relaying one connection into another"));
        }
    }

    @Test
    void aServerThatIsAlsoAClientWithTheSameSecretAnswersNoChallengeItSentAsAServer() throws Exception {
        SocketServer server = closing((SocketServer) Pipes.server(new InetSocketAddress(A, 0), nativeOptions()));
        ServerSocket attackers = closing(new ServerSocket(0, 1, A));
        attackers.setSoTimeout((int) WAIT.toMillis());

        RawPeer intoTheServer = closing(RawPeer.connect(server.address()));
        byte[] serversNonce = challengeIn(intoTheServer.read(8 + 5 + 32, WAIT));
        Future<Pipe> client = threads.submit(() -> Pipes.connect(attackers.getLocalSocketAddress(), nativeOptions()));
        RawPeer fromTheClient = closing(RawPeer.over(attackers.accept()));
        fromTheClient.read(8 + 5 + 32, WAIT);

        fromTheClient.send(RawPeer.preface(true));
        fromTheClient.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, serversNonce));

        assertThat(fromTheClient.readUntilClosed(WAIT)).as("the client closed without sending a proof").isEmpty();
        // The client's caller is told why, which is where a client reports.
        assertThatThrownBy(() -> client.get(20, TimeUnit.SECONDS)).cause()
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("is one this process sent in another handshake still running")
                .hasMessageContaining("relaying one connection into another");
        assertNothingReachesTheServer(server, intoTheServer);
    }

    @Test
    void aClientThatIsAlsoAServerWithTheSameSecretAnswersNoChallengeItSentAsAClient() throws Exception {
        SocketServer server = closing((SocketServer) Pipes.server(new InetSocketAddress(A, 0), nativeOptions()));
        ServerSocket attackers = closing(new ServerSocket(0, 1, A));
        attackers.setSoTimeout((int) WAIT.toMillis());

        Future<Pipe> client = threads.submit(() -> Pipes.connect(attackers.getLocalSocketAddress(), nativeOptions()));
        RawPeer fromTheClient = closing(RawPeer.over(attackers.accept()));
        byte[] clientsNonce = challengeIn(fromTheClient.read(8 + 5 + 32, WAIT));
        RawPeer intoTheServer = closing(RawPeer.connect(server.address()));
        intoTheServer.read(8 + 5 + 32, WAIT);

        try (LogCapture log = LogCapture.of(SocketServer.class)) {
            intoTheServer.send(RawPeer.preface(true));
            intoTheServer.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, clientsNonce));

            assertThat(intoTheServer.readUntilClosed(WAIT)).as("the server closed without sending a proof").isEmpty();
            await().atMost(WAIT).until(() -> server.authenticationFailures() == 1);
            assertThat(log.lines(Level.WARN)).anySatisfy(line -> assertThat(line)
                    .contains("relaying one connection into another"));
        }
        fromTheClient.close();
        assertThatThrownBy(() -> client.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(200))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void onThePythonWireAClientAnswersNoChallengeThatItsOwnProcessDeliveredAsAServer() throws Exception {
        PipeOptions python = nativeOptions().toBuilder().wire(Wire.PYTHON).build();
        SocketServer server = closing((SocketServer) Pipes.server(new InetSocketAddress(A, 0), python));
        ServerSocket attackers = closing(new ServerSocket(0, 1, A));
        attackers.setSoTimeout((int) WAIT.toMillis());

        // CPython's Listener delivers its challenge first: "#CHALLENGE#{sha256}" and 40 random bytes.
        RawPeer intoTheServer = closing(RawPeer.connect(server.address()));
        byte[] delivered = pythonMessage(intoTheServer);
        assertThat(new String(delivered, 0, 11, StandardCharsets.US_ASCII)).isEqualTo("#CHALLENGE#");
        // CPython's Client answers first: hand the pipc client, as the attacker's challenge, the server's.
        Future<Pipe> client = threads.submit(() -> Pipes.connect(attackers.getLocalSocketAddress(), python));
        RawPeer fromTheClient = closing(RawPeer.over(attackers.accept()));
        fromTheClient.send(pythonFrame(delivered));

        assertThat(fromTheClient.readUntilClosed(WAIT)).as("the client closed without answering").isEmpty();
        assertThatThrownBy(() -> client.get(20, TimeUnit.SECONDS)).cause()
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("is one this process delivered in another handshake still running")
                .hasMessageContaining("relaying one connection into another");
        intoTheServer.send(pythonFrame("{sha256}no proof at all".getBytes(StandardCharsets.US_ASCII)));
        assertNothingReachesTheServer(server, intoTheServer);
    }

    @Test
    void aLegitimateClientOfTheSameProcessStillAuthenticatesOnEveryWire() throws Exception {
        for (Wire wire : Wire.values()) {
            PipeOptions options = nativeOptions().toBuilder().wire(wire).build();
            try (SocketServer server = (SocketServer) Pipes.server(new InetSocketAddress(A, 0), options);
                    Pipe client = Pipes.connect(server.address(), options);
                    Pipe accepted = server.accept(WAIT)) {
                client.write("same process, " + wire);
                assertThat(accepted.readString(WAIT)).isEqualTo("same process, " + wire);
            }
        }
    }

    private static void assertNothingReachesTheServer(SocketServer server, RawPeer attacker) throws Exception {
        attacker.send(RawPeer.frame(RawPeer.DATA, "forged".getBytes(StandardCharsets.UTF_8)));
        attacker.readUntilClosed(WAIT);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(200))).isInstanceOf(PipeTimeoutException.class);
    }

    private static PipeOptions nativeOptions() {
        return PipeOptions.builder().secret(SECRET).connectTimeout(WAIT).handshakeTimeout(Duration.ofSeconds(5)).build();
    }

    /** @return the nonce of the AUTH_CHALLENGE that follows an 8-byte preface */
    private static byte[] challengeIn(byte[] prefaceAndChallenge) {
        assertThat(prefaceAndChallenge[8 + 4]).isEqualTo((byte) RawPeer.AUTH_CHALLENGE);
        return Arrays.copyOfRange(prefaceAndChallenge, 8 + 5, 8 + 5 + 32);
    }

    private static byte[] pythonMessage(RawPeer peer) throws Exception {
        int length = ByteBuffer.wrap(peer.read(4, WAIT)).getInt();
        return peer.read(length, WAIT);
    }

    private static byte[] pythonFrame(byte[] message) {
        return ByteBuffer.allocate(4 + message.length).putInt(message.length).put(message).array();
    }

    private <T extends Closeable> T closing(T closeable) {
        toClose.add(0, closeable);
        return closeable;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
