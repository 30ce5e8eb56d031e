package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.pipc.ProtocolException;

import org.junit.jupiter.api.Test;

/** The rendezvous hello as pure bytes: layout, checks and who leads. */
class RendezvousHelloTest {

    @Test
    void aHelloIsMagicVersionReservedAndTheIdBigEndian() {
        byte[] hello = RendezvousHello.encode(0x0102030405060708L);

        assertThat(hello).containsExactly(0x50, 0x49, 0x50, 0x52, 0x01, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(RendezvousHello.parse(hello, "p", "peer x")).isEqualTo(0x0102030405060708L);
    }

    @Test
    void theHigherIdComparedUnsignedLeadsAndExactlyOneSideLeads() {
        long[] ids = {1, 2, Long.MAX_VALUE, Long.MIN_VALUE, -1};
        for (long a : ids) {
            for (long b : ids) {
                if (a != b) {
                    assertThat(RendezvousHello.leads(a, b)).as("%x against %x", a, b).isNotEqualTo(RendezvousHello.leads(b, a));
                }
            }
        }
        assertThat(RendezvousHello.leads(-1, Long.MAX_VALUE)).as("0xffff... is the highest id").isTrue();
        assertThat(RendezvousHello.leads(Long.MIN_VALUE, 1)).isTrue();
    }

    @Test
    void idsAreNeverZeroAndDifferBetweenCalls() {
        long first = RendezvousHello.newId();
        long second = RendezvousHello.newId();

        assertThat(first).isNotZero().isNotEqualTo(second);
    }

    @Test
    void aForeignPeerIsRefusedFromItsFirstWrongByteSayingWhatItLooksLike() {
        byte[] pipcClient = {'P', 'I', 'P', 'C', 1, 0, 0, 0};
        assertThatThrownBy(() -> RendezvousHello.checkMagic(pipcClient, 4, "p", "peer x"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("Pipes.connect or Pipes.server");

        byte[] http = "GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> RendezvousHello.checkMagic(http, 1, "p", "peer x"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("47").hasMessageContaining("pipe 'p'");
        assertThatThrownBy(() -> RendezvousHello.checkMagic(http, 4, "p", "peer x")).hasMessageContaining("HTTP client");

        byte[] tls = {0x16, 0x03, 0x01, 0x02};
        assertThatThrownBy(() -> RendezvousHello.checkMagic(tls, 4, "p", "peer x")).hasMessageContaining("speaks TLS");

        RendezvousHello.checkMagic(new byte[] {'P', 'I', 'P'}, 3, "p", "peer x"); // so far so good
    }

    @Test
    void anotherVersionOrReservedBitsAreRefused() {
        byte[] future = RendezvousHello.encode(5);
        future[4] = 2;
        assertThatThrownBy(() -> RendezvousHello.parse(future, "p", "peer x")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("rendezvous version 2");

        byte[] reserved = Arrays.copyOf(RendezvousHello.encode(5), RendezvousHello.LENGTH);
        reserved[6] = 1;
        assertThatThrownBy(() -> RendezvousHello.parse(reserved, "p", "peer x")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("reserved");
    }
}
