package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.PipeOptions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server's counts of clients in their handshake and past it, without sockets. */
@Timeout(10)
class ConnectionLimitsTest {

    private static final InetAddress HOST_A = address("192.0.2.10");
    private static final InetAddress HOST_B = address("192.0.2.11");

    private final AtomicInteger freed = new AtomicInteger();

    private ConnectionLimits limits(int maxConnections, int maxHandshaking, int perAddress) {
        return new ConnectionLimits(PipeOptions.builder().maxConnections(maxConnections)
                .maxHandshakingConnections(maxHandshaking).maxHandshakingConnectionsPerAddress(perAddress).build(),
                freed::incrementAndGet);
    }

    @Test
    void oneAddressGetsItsShareOfTheHandshakesAndOthersStillGetIn() {
        ConnectionLimits limits = limits(100, 10, 2);

        limits.admit(HOST_A);
        limits.admit(HOST_A);

        assertThat(limits.refusal(HOST_A)).isEqualTo(ConnectionLimits.Refusal.MAX_HANDSHAKING_PER_ADDRESS);
        assertThat(limits.refusal(HOST_B)).isNull();
        assertThat(limits.refusal(null)).as("no address (Unix, loopback): no per-address cap").isNull();
    }

    @Test
    void aFinishedHandshakeGivesItsAddressAPlaceBack() {
        ConnectionLimits limits = limits(100, 10, 1);
        ConnectionLimits.Slot first = limits.admit(HOST_A);

        assertThat(first.establish()).isTrue();

        assertThat(limits.refusal(HOST_A)).isNull();
        assertThat(freed).hasValue(1);
    }

    @Test
    void clientsInTheirHandshakeDoNotTakeThePlacesOfAuthenticatedClients() {
        ConnectionLimits limits = limits(2, 3, 3);
        limits.admit(HOST_A);
        limits.admit(HOST_A);
        limits.admit(HOST_B);

        assertThat(limits.handshakesFull()).isTrue();
        assertThat(limits.refusal(HOST_B)).as("maxConnections counts clients past their handshake only").isNull();
        assertThat(limits.held()).isEqualTo(3);
    }

    @Test
    void theHandshakeCapIsSeparateFromMaxConnections() {
        ConnectionLimits limits = limits(1, 2, 2);
        ConnectionLimits.Slot done = limits.admit(HOST_A);
        done.establish();

        assertThat(limits.refusal(HOST_B)).isEqualTo(ConnectionLimits.Refusal.MAX_CONNECTIONS);
        ConnectionLimits.Slot raced = limits.admit(HOST_B);
        assertThat(limits.handshakesFull()).isFalse();
        assertThat(raced.establish()).as("the last place was taken while it ran its handshake").isFalse();

        raced.release();
        assertThat(limits.held()).isEqualTo(1);
        assertThat(limits.handshaking()).isZero();
    }

    @Test
    void releasingTwiceCountsOnce() {
        ConnectionLimits limits = limits(10, 10, 10);
        ConnectionLimits.Slot inHandshake = limits.admit(HOST_A);
        ConnectionLimits.Slot established = limits.admit(HOST_B);
        established.establish();
        freed.set(0);

        inHandshake.release();
        inHandshake.release();
        established.release();
        established.release();

        assertThat(limits.held()).isZero();
        assertThat(freed).as("only leaving a handshake frees a handshake place").hasValue(1);
        assertThat(inHandshake.establish()).isFalse();
    }

    @Test
    void theCallbackRunsWhenAHandshakePlaceIsFreed() {
        ConnectionLimits limits = limits(10, 1, 1);
        ConnectionLimits.Slot slot = limits.admit(null);
        assertThat(limits.handshakesFull()).isTrue();

        slot.release();

        assertThat(freed).hasValue(1);
        assertThat(limits.handshakesFull()).isFalse();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
