package io.pipc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.pipc.AuthenticationException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry of this process's live challenges: what it refuses, and that it holds nothing
 * once handshakes are over, however they ended.
 */
@Timeout(60)
class LiveNoncesTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aLiveChallengeIsRelayedUnlessItComesBackFromTheOtherEndOfItsConnection() {
        LiveNonces live = new LiveNonces();
        ConnectionBinding sentOn = ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 7001", "127.0.0.1 port 41000"));
        LiveNonces.Registration registration = live.register(new byte[] {1, 2, 3}, sentOn);

        assertThat(live.relayed(new byte[] {1, 2, 3}, ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 41000", "127.0.0.1 port 7001")))).isNull();
        assertThat(live.relayed(new byte[] {1, 2, 3}, ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 41001", "127.0.0.2 port 7001"))))
                .isEqualTo("it was sent on the connection 127.0.0.1 port 7001 <-> 127.0.0.1 port 41000 and came back on"
                        + " 127.0.0.1 port 41001 <-> 127.0.0.2 port 7001");
        assertThat(live.relayed(new byte[] {1, 2, 4}, ConnectionBinding.of(new ConnectionEnds("a", "b")))).as("not ours").isNull();

        registration.release();
        registration.release();
        assertThat(live.relayed(new byte[] {1, 2, 3}, ConnectionBinding.of(new ConnectionEnds("a", "b")))).as("no longer live").isNull();
        assertThat(live.size()).isZero();
    }

    @Test
    void aChallengeCannotBeRegisteredTwice() {
        LiveNonces live = new LiveNonces();
        live.register(new byte[] {9}, ConnectionBinding.of(new ConnectionEnds("a", "b")));

        assertThatThrownBy(() -> live.register(new byte[] {9}, ConnectionBinding.of(new ConnectionEnds("c", "d")))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nothingStaysLiveAfterRealConnectionsEndInEveryWay() throws Exception {
        int before = LiveNonces.PROCESS.size();
        for (Wire wire : Wire.values()) {
            PipeOptions right = PipeOptions.builder().wire(wire).secret("right").connectTimeout(WAIT)
                    .handshakeTimeout(Duration.ofMillis(500)).build();
            try (PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), right)) {
                List<Pipe> accepted = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    try (Pipe client = Pipes.connect(server.address(), right)) {
                        accepted.add(server.accept(WAIT));
                        client.write("hello");
                    }
                }
                PipeOptions wrong = right.toBuilder().secret("wrong").build();
                for (int i = 0; i < 5; i++) {
                    assertThatThrownBy(() -> Pipes.connect(server.address(), wrong)).isInstanceOf(AuthenticationException.class);
                }
                List<Socket> silent = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    // Connects and says nothing: the server's handshake deadline ends it.
                    silent.add(new Socket(InetAddress.getLoopbackAddress(), ((InetSocketAddress) server.address()).getPort()));
                }
                for (int i = 0; i < 5; i++) {
                    // Goes away in the middle of the handshake.
                    try (Socket quitter = new Socket(InetAddress.getLoopbackAddress(),
                            ((InetSocketAddress) server.address()).getPort())) {
                        OutputStream out = quitter.getOutputStream();
                        out.write(wire == Wire.NATIVE ? new byte[] {'P', 'I', 'P', 'C', 2, 1, 0, 0} : new byte[] {0, 0});
                        out.flush();
                    }
                }
                await().atMost(WAIT).untilAsserted(() -> assertThat(LiveNonces.PROCESS.size()).isLessThanOrEqualTo(before));
                for (Socket socket : silent) {
                    socket.close();
                }
                for (Pipe pipe : accepted) {
                    pipe.close();
                }
            }
        }
        assertThat(LiveNonces.PROCESS.size()).isLessThanOrEqualTo(before);
    }

}
