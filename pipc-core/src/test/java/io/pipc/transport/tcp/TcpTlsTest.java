package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.ProtocolException;
import io.pipc.transport.FramedPipe;
import io.pipc.transport.socket.SocketServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TLS through JSSE for servers, clients and rendezvous, with certificates made at test time. */
@Timeout(60)
class TcpTlsTest {

    /** An ECDHE suite for the tests' EC keys that JSSE does not prefer by default (it prefers AES-256). */
    private static final String TLS12_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

    @TempDir
    static Path keys;

    private static TestCertificates certificates;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Closeable> toClose = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.create(keys);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Closeable closeable : toClose) {
            try {
                closeable.close();
            } catch (RuntimeException ignored) {
                // already failed
            }
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PipeServer server(PipeOptions options) {
        return server(InetAddress.getLoopbackAddress(), options);
    }

    private PipeServer server(InetAddress address, PipeOptions options) {
        PipeServer server = Pipes.server(new InetSocketAddress(address, 0), options);
        toClose.add(server);
        return server;
    }

    private Pipe connect(InetSocketAddress address, PipeOptions options) {
        Pipe pipe = Pipes.connect(address, options);
        toClose.add(pipe);
        return pipe;
    }

    private Pipe accept(PipeServer server) {
        Pipe pipe = server.accept(Duration.ofSeconds(10));
        toClose.add(pipe);
        return pipe;
    }

    private static InetSocketAddress at(PipeServer server, String host) {
        return new InetSocketAddress(host, ((InetSocketAddress) server.address()).getPort());
    }

    private static PipeOptions tls(SSLContext context) {
        return PipeOptions.builder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void messagesOfEverySizeCrossBothWaysOverTls() throws Exception {
        PipeServer server = server(tls(certificates.server()));
        Pipe client = connect(at(server, "localhost"), tls(certificates.client()));
        Pipe serverSide = accept(server);

        for (int size : new int[] {0, 1, 100, 16 * 1024 + 1, 64 * 1024, 4 * 1024 * 1024}) {
            byte[] message = new byte[size];
            new Random(size).nextBytes(message);
            client.write(message);
            assertThat(serverSide.read(Duration.ofSeconds(10))).isEqualTo(message);
            serverSide.write(message);
            assertThat(client.read(Duration.ofSeconds(10))).isEqualTo(message);
        }
    }

    @Test
    void closeOverTlsDeliversEveryMessageBeforeThePeerSeesTheEnd() throws Exception {
        PipeServer server = server(tls(certificates.server()));
        Pipe client = connect(at(server, "127.0.0.1"), tls(certificates.client()));
        Pipe serverSide = accept(server);
        int count = 100_000;
        Future<?> writing = threads.submit(() -> {
            ByteBuffer message = ByteBuffer.allocate(8 + count % 7);
            for (int i = 0; i < count; i++) {
                client.write(message.clear().putLong(i).array());
            }
            client.close();
        });

        for (long i = 0; i < count; i++) {
            long received = ByteBuffer.wrap(serverSide.read(Duration.ofSeconds(20))).getLong();
            if (received != i) {
                assertThat(received).isEqualTo(i);
            }
        }
        assertThatThrownBy(() -> serverSide.read(Duration.ofSeconds(10))).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("closed");
        writing.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aSlowReaderOverTlsBlocksTheWriterAndNothingIsLost() throws Exception {
        PipeOptions small = tls(certificates.server()).toBuilder().queueCapacity(4, 4096).build();
        PipeServer server = server(small);
        Pipe client = connect(at(server, "localhost"), tls(certificates.client()));
        Pipe serverSide = accept(server);
        // 30 MB: more than the outbox and every kernel buffer on the way can hold, so the writer must wait.
        int count = 10_000;
        Future<?> writer = threads.submit(() -> {
            for (int i = 0; i < count; i++) {
                client.write(ByteBuffer.allocate(3000).putInt(i).array());
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> !writer.isDone() && ((FramedPipe) client).writersWaitingForRoom() > 0);

        for (int i = 0; i < count; i++) {
            assertThat(ByteBuffer.wrap(serverSide.read(Duration.ofSeconds(10))).getInt()).isEqualTo(i);
        }
        writer.get(30, TimeUnit.SECONDS);
    }

    @Test
    void mutualTlsAcceptsAClientWithATrustedCertificate() throws Exception {
        PipeServer server = server(tls(certificates.server()).toBuilder().tlsClientAuth(true).build());
        Pipe client = connect(at(server, "localhost"), tls(certificates.client()));
        Pipe serverSide = accept(server);

        client.write("hello");

        assertThat(serverSide.readString(Duration.ofSeconds(5))).isEqualTo("hello");
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificateAndServesTheNextOne() throws Exception {
        PipeServer server = server(tls(certificates.server()).toBuilder().tlsClientAuth(true).build());

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.clientWithoutCertificate())))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("certificate");

        await().atMost(Duration.ofSeconds(10)).until(() -> ((SocketServer) server).authenticationFailures() == 1);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
        Pipe good = connect(at(server, "localhost"), tls(certificates.client()));
        Pipe serverSide = accept(server);
        good.write("served");
        assertThat(serverSide.readString(Duration.ofSeconds(5))).isEqualTo("served");
    }

    @Test
    void mutualTlsRefusesAClientWithAnUntrustedCertificate() throws Exception {
        PipeServer server = server(tls(certificates.server()).toBuilder().tlsClientAuth(true).build());

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.stranger())))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("certificate");

        await().atMost(Duration.ofSeconds(10)).until(() -> ((SocketServer) server).authenticationFailures() == 1);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aClientRefusesAServerWhoseCertificateItDoesNotTrust() throws Exception {
        PipeServer server = server(tls(certificates.strangerServer()));

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.client())))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("not trusted");
    }

    @Test
    void aClientChecksThatTheServerCertificateNamesTheHostUnlessToldNotTo() throws Exception {
        // 127.0.0.3 is loopback on Linux, and the server's certificate does not name it.
        PipeServer server = server(InetAddress.getByName("127.0.0.3"), tls(certificates.server()));

        assertThatThrownBy(() -> connect(at(server, "127.0.0.3"), tls(certificates.client())))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("does not name '127.0.0.3'")
                .hasMessageContaining("tlsHostnameVerification");

        Pipe client = connect(at(server, "127.0.0.3"),
                tls(certificates.client()).toBuilder().tlsHostnameVerification(false).build());
        Pipe serverSide = accept(server);
        client.write("no name check");
        assertThat(serverSide.readString(Duration.ofSeconds(5))).isEqualTo("no name check");
    }

    @Test
    void aPlainClientOfATlsServerIsToldTheServerSpeaksTls() throws Exception {
        PipeServer server = server(tls(certificates.server()));

        assertThatThrownBy(() -> connect(at(server, "localhost"), PipeOptions.defaults()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("speaks TLS")
                .hasMessageContaining("sslContext");
        await().atMost(Duration.ofSeconds(10)).until(() -> ((SocketServer) server).refusedConnections() == 1);
    }

    @Test
    void aTlsClientOfAPlainServerIsToldTheServerDoesNotSpeakTls() throws Exception {
        PipeServer server = server(PipeOptions.defaults());

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.client())))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("does not speak TLS")
                .hasMessageContaining("pipc end without TLS");
        await().atMost(Duration.ofSeconds(10)).until(() -> ((SocketServer) server).refusedConnections() == 1);
    }

    @Test
    void tlsAndASecretWorkTogetherAndAWrongSecretIsStillRefused() throws Exception {
        PipeOptions serverOptions = tls(certificates.server()).toBuilder().secret("shared").build();
        PipeServer server = server(serverOptions);

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.client()).toBuilder().secret("wrong").build()))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("secret");
        Pipe client = connect(at(server, "localhost"), tls(certificates.client()).toBuilder().secret("shared").build());
        Pipe serverSide = accept(server);
        client.write("both");
        assertThat(serverSide.readString(Duration.ofSeconds(5))).isEqualTo("both");
        assertThat(((SocketServer) server).authenticationFailures()).isEqualTo(1);
    }

    @Test
    void aTlsRendezvousPairsTwoHostsStartingAtTheSameInstant() throws Exception {
        for (int round = 0; round < 5; round++) {
            int port = TcpRendezvousTest.freePortOnBoth();
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Pipe> onA = threads.submit(() -> {
                start.await();
                return Pipes.remote("127.0.0.2", port, rendezvous("127.0.0.1", certificates.peer()));
            });
            Future<Pipe> onB = threads.submit(() -> {
                start.await();
                return Pipes.remote("127.0.0.1", port, rendezvous("127.0.0.2", certificates.peer()));
            });
            try (Pipe a = onA.get(20, TimeUnit.SECONDS); Pipe b = onB.get(20, TimeUnit.SECONDS)) {
                byte[] large = new byte[100_000];
                new Random(round).nextBytes(large);
                a.write(large);
                assertThat(b.read(Duration.ofSeconds(5))).isEqualTo(large);
                b.write("round " + round);
                assertThat(a.readString(Duration.ofSeconds(5))).isEqualTo("round " + round);
            }
        }
    }

    @Test
    void aTlsRendezvousRefusesAThirdPartyWhoseCertificateItDoesNotTrustAndThenPairs() throws Exception {
        int port = TcpRendezvousTest.freePortOnBoth();
        Future<Pipe> onA = threads.submit(() -> Pipes.remote("127.0.0.2", port, rendezvous("127.0.0.1", certificates.peer())));

        PipeOptions intruder = rendezvous("127.0.0.2", certificates.stranger()).toBuilder()
                // Long enough for a first TLS handshake on a slow machine to be made and refused before it ends.
                .connectTimeout(Duration.ofSeconds(4)).build();
        assertThatThrownBy(() -> Pipes.remote("127.0.0.1", port, intruder)).isInstanceOf(PipeTimeoutException.class)
                .hasCauseInstanceOf(AuthenticationException.class).hasMessageContaining("certificate");
        assertThat(onA).isNotDone();

        try (Pipe b = Pipes.remote("127.0.0.1", port, rendezvous("127.0.0.2", certificates.peer()));
                Pipe a = onA.get(20, TimeUnit.SECONDS)) {
            b.write("trusted");
            assertThat(a.readString(Duration.ofSeconds(5))).isEqualTo("trusted");
        }
    }

    private static PipeOptions rendezvous(String localAddress, SSLContext context) throws Exception {
        return tls(context).toBuilder().localAddress(InetAddress.getByName(localAddress)).build();
    }

    @Test
    void tls13KeyUpdatesInTheMiddleOfTrafficBothWaysLoseNothing(@TempDir Path work) throws Exception {
        // A key update every 16 KiB: the loop answers each one itself while the writers keep wrapping.
        Path limits = Files.writeString(work.resolve("key-limits.properties"),
                "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^14, ChaCha20-Poly1305 KeyUpdate 2^14\n");
        Path log = work.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + limits, "-Djavax.net.debug=ssl:handshake",
                "-cp", System.getProperty("java.class.path"), TlsKeyUpdatePeers.class.getName(), keys.toString(), "150")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child finished").isTrue();
            String output = Files.readString(log);
            assertThat(child.exitValue()).as("the child's exit code; it said: %s", tail(output)).isZero();
            assertThat(output).contains("all 150 messages intact both ways").contains("KeyUpdate");
        } finally {
            child.destroyForcibly();
        }
    }

    private static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 2000));
    }

    // ---- what unlocks a bind beyond loopback ---------------------------------------------

    @Test
    void aTlsServerThatAsksNoClientForACertificateMayNotListenBeyondLoopbackWithoutASecret() {
        assertThatThrownBy(() -> Pipes.server(new InetSocketAddress(0), tls(certificates.server())))
                .isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing to listen on every interface (0.0.0.0)")
                .hasMessageContaining("tlsClientAuth is false").hasMessageContaining("only encrypts")
                .hasMessageContaining("PipeOptions.tlsClientAuth(true)").hasMessageContaining("PipeOptions.secret(...)");
    }

    @Test
    void aTlsServerThatRequiresClientCertificatesMayListenBeyondLoopbackAndRefusesAClientWithoutOne() throws Exception {
        PipeServer server = server(InetAddress.getByName("0.0.0.0"), tls(certificates.server()).toBuilder()
                .tlsClientAuth(true).build());

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.clientWithoutCertificate())))
                .isInstanceOf(AuthenticationException.class);
        assertServes(server, tls(certificates.client()));
    }

    @Test
    void aTlsServerWithASecretMayListenBeyondLoopbackAndRefusesAClientWithoutTheSecret() throws Exception {
        PipeServer server = server(InetAddress.getByName("0.0.0.0"), tls(certificates.server()).toBuilder()
                .secret("shared").build());

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.clientWithoutCertificate())))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("secret");
        assertServes(server, tls(certificates.clientWithoutCertificate()).toBuilder().secret("shared").build());
    }

    @Test
    void aTlsRendezvousMayListenOnEveryInterfaceWithoutASecretSinceItAlwaysRequiresTheCertificate() throws Exception {
        // B cannot listen on 127.0.0.2 while A holds the wildcard, so B only connects and A accepts.
        pair(freePortOn("0.0.0.0"), rendezvous("0.0.0.0", certificates.peer()), rendezvous("127.0.0.2", certificates.peer()));
    }

    // ---- whom a rendezvous meets ------------------------------------------------------------

    @Test
    void theAcceptingSideOfATlsRendezvousRefusesATrustedCertificateForAnotherHost() throws Exception {
        int port = freePortOn("127.0.0.1", "127.0.0.4");

        // The impostor listens on 127.0.0.4, where A never connects: A only ever accepts it.
        assertThat(neitherPairs(port, certificates.peerTrustingTheImpostor(), "127.0.0.1",
                rendezvous("127.0.0.4", certificates.impostor())))
                .hasCauseInstanceOf(AuthenticationException.class)
                .hasMessageContaining("the peer's certificate does not name '127.0.0.2'")
                .hasMessageContaining("dns:impostor.invalid, ip:127.0.0.9");
    }

    @Test
    void theAcceptingSideOfATlsRendezvousPairsWithAPeerWhoseCertificateNamesTheHost() throws Exception {
        // B, known to A as 127.0.0.2 (which its certificate names), listens on 127.0.0.4: A only accepts it.
        pair(freePortOn("127.0.0.1", "127.0.0.4"), rendezvous("127.0.0.1", certificates.peerTrustingTheImpostor()),
                rendezvous("127.0.0.4", certificates.peer()));
    }

    /** A waits for 127.0.0.2 and B for 127.0.0.1, each with its options: they must pair, and a message crosses. */
    private void pair(int port, PipeOptions a, PipeOptions b) throws Exception {
        Future<Pipe> onA = threads.submit(() -> Pipes.remote("127.0.0.2", port, a));
        try (Pipe onB = Pipes.remote("127.0.0.1", port, b); Pipe paired = onA.get(20, TimeUnit.SECONDS)) {
            onB.write("paired");
            assertThat(paired.readString(Duration.ofSeconds(5))).isEqualTo("paired");
        }
    }

    @Test
    void theConnectingSideOfATlsRendezvousRefusesATrustedCertificateForAnotherHost() throws Exception {
        int port = freePortOn("127.0.0.1", "127.0.0.2");

        // The impostor listens on 127.0.0.2 and connects only to 127.0.0.4, where nobody listens: A only ever
        // connects to it. It checks no names itself, so the refusal is A's.
        assertThat(neitherPairs(port, certificates.peerTrustingTheImpostor(), "127.0.0.4",
                rendezvous("127.0.0.2", certificates.impostor()).toBuilder().tlsHostnameVerification(false).build()))
                .hasCauseInstanceOf(AuthenticationException.class)
                .hasMessageContaining("the server's certificate does not name '127.0.0.2'");
    }

    @Test
    void theAcceptingSideOfATlsRendezvousRequiresACertificate() throws Exception {
        int port = freePortOn("127.0.0.1", "127.0.0.4");

        assertThat(neitherPairs(port, certificates.peer(), "127.0.0.1",
                rendezvous("127.0.0.4", certificates.clientWithoutCertificate())))
                .hasCauseInstanceOf(AuthenticationException.class).hasMessageContaining("presented no certificate");
    }

    /**
     * A, on 127.0.0.1, waits four seconds for 127.0.0.2 while an intruder runs its own
     * rendezvous with {@code intruderPeer} for as long; neither may pair. Long enough for the
     * intruder's TLS handshake to be made and refused on a slow machine, so that the timeout has
     * that refusal as its cause.
     *
     * @return A's failure: a timeout whose cause says why the intruder was refused
     */
    private PipeTimeoutException neitherPairs(int port, SSLContext a, String intruderPeer, PipeOptions intruder)
            throws Exception {
        Duration brief = Duration.ofSeconds(4);
        Future<Pipe> other = threads.submit(() -> Pipes.remote(intruderPeer, port,
                intruder.toBuilder().connectTimeout(brief).build()));
        PipeTimeoutException refused = catchThrowableOfType(PipeTimeoutException.class, () -> Pipes.remote("127.0.0.2",
                port, rendezvous("127.0.0.1", a).toBuilder().connectTimeout(brief).build()));
        assertThat(refused).as("A's rendezvous timed out").isNotNull();
        assertThatThrownBy(() -> other.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeTimeoutException.class);
        return refused;
    }

    // ---- versions and cipher suites ---------------------------------------------------------

    @Test
    void aServerRestrictedToTls12AndOneCipherSuiteNegotiatesExactlyThat() throws Exception {
        PipeServer server = server(tls(certificates.server()).toBuilder().tlsProtocols(List.of("TLSv1.2"))
                .tlsCipherSuites(List.of(TLS12_SUITE)).build());

        try (SSLSocket raw = (SSLSocket) certificates.client().getSocketFactory().createSocket("localhost",
                at(server, "localhost").getPort())) {
            raw.setSoTimeout(10_000);
            raw.startHandshake();

            assertThat(raw.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(raw.getSession().getCipherSuite()).isEqualTo(TLS12_SUITE);
        }
    }

    @Test
    void aClientRestrictedToTls12AndOneCipherSuiteOffersNothingElse() throws Exception {
        try (SSLServerSocket raw = (SSLServerSocket) certificates.server().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PipeOptions restricted = tls(certificates.client()).toBuilder().tlsProtocols(List.of("TLSv1.2"))
                    .tlsCipherSuites(List.of(TLS12_SUITE)).build();
            Future<Pipe> client = threads.submit(() -> Pipes.connect(new InetSocketAddress("localhost", raw.getLocalPort()),
                    restricted));

            try (SSLSocket accepted = (SSLSocket) raw.accept()) {
                accepted.setSoTimeout(10_000);
                accepted.startHandshake();

                assertThat(accepted.getSession().getProtocol()).isEqualTo("TLSv1.2");
                assertThat(accepted.getSession().getCipherSuite()).isEqualTo(TLS12_SUITE);
            }
            // The raw server speaks no pipc and has closed: the client's connect fails, as it should.
            assertThatThrownBy(() -> client.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeException.class);
        }
    }

    @Test
    void twoEndsThatShareNoTlsVersionFailSayingSoAndWhatToChange() throws Exception {
        PipeServer server = server(tls(certificates.server()).toBuilder().tlsProtocols(List.of("TLSv1.3")).build());

        assertThatThrownBy(() -> connect(at(server, "localhost"), tls(certificates.client()).toBuilder()
                .tlsProtocols(List.of("TLSv1.2")).build()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("share no TLS version or cipher suite")
                .hasMessageContaining("PipeOptions.tlsProtocols");
        assertServes(server, tls(certificates.client()));
    }

    /** A client with these options connects to the server by name, and a message crosses. */
    private void assertServes(PipeServer server, PipeOptions client) {
        Pipe pipe = connect(at(server, "localhost"), client);
        Pipe serverSide = accept(server);
        pipe.write("served");
        assertThat(serverSide.readString(Duration.ofSeconds(5))).isEqualTo("served");
    }

    /** @return a port free on every one of these addresses */
    private static int freePortOn(String... hosts) throws IOException {
        while (true) {
            try (ServerSocketChannel first = ServerSocketChannel.open().bind(new InetSocketAddress(hosts[0], 0))) {
                int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
                if (freeOnOthers(port, hosts)) {
                    return port;
                }
            }
        }
    }

    private static boolean freeOnOthers(int port, String... hosts) throws IOException {
        for (int i = 1; i < hosts.length; i++) {
            try (ServerSocketChannel other = ServerSocketChannel.open()) {
                other.bind(new InetSocketAddress(hosts[i], port));
            } catch (BindException taken) {
                return false;
            }
        }
        return true;
    }
}
