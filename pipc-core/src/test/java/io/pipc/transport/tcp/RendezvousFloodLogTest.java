package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.testing.LogCapture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import ch.qos.logback.classic.Level;

/**
 * A rendezvous waiting for its peer, flooded with connections that fail to authenticate, logs
 * the first ten one by one and the rest as one count when it ends, rather than a line each.
 */
@Timeout(60)
class RendezvousFloodLogTest {

    private static final InetAddress A = address("127.0.0.1");
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The attacker's rendezvous id: the highest, so that it leads and commits. */
    private static final long LEADING_ID = -1L;
    private static final int ATTACKERS = 15;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void peersFailingToAuthenticateAreLoggedTenOneByOneAndTheRestAsACount() throws Exception {
        int port = TcpRendezvousTest.freePortOnBoth();
        PipeOptions options = PipeOptions.builder().localAddress(A).secret("the secret")
                .connectTimeout(Duration.ofSeconds(10)).handshakeTimeout(Duration.ofSeconds(3)).build();
        try (LogCapture log = LogCapture.of(Rendezvous.class)) {
            Future<Pipe> victim = threads.submit(() -> Pipes.remote("127.0.0.2", port, options));
            for (int i = 0; i < ATTACKERS; i++) {
                try (RawPeer attacker = await().atMost(WAIT).ignoreExceptions()
                        .until(() -> RawPeer.connect(new InetSocketAddress(A, port)), Objects::nonNull)) {
                    attacker.send(RendezvousHello.encode(LEADING_ID));
                    attacker.read(RendezvousHello.LENGTH, WAIT);
                    attacker.send(new byte[] {RendezvousHello.COMMIT});
                    attacker.read(8 + 5 + 32, WAIT);
                    attacker.send(RawPeer.preface(true));
                    attacker.send(RawPeer.frame(RawPeer.AUTH_CHALLENGE, new byte[32]));
                    attacker.send(RawPeer.frame(RawPeer.AUTH_RESPONSE, new byte[32]));
                    attacker.readUntilClosed(WAIT);
                }
            }
            await().atMost(WAIT).until(() -> oneByOne(log).size() == 10);

            assertThatThrownBy(() -> victim.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(PipeTimeoutException.class);

            assertThat(oneByOne(log)).hasSize(10);
            assertThat(log.lines(Level.WARN)).filteredOn(line -> line.contains("not logged one by one")).singleElement()
                    .asString().contains("(rendezvous): refused " + (ATTACKERS - 10) + " more connections within a minute")
                    .contains("failed to authenticate during the rendezvous");
        }
    }

    private static List<String> oneByOne(LogCapture log) {
        return log.lines(Level.WARN).stream()
                .filter(line -> line.contains("failed to authenticate") && !line.contains("not logged one by one"))
                .toList();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
