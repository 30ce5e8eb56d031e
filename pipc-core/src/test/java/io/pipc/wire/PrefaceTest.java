package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import io.pipc.ProtocolException;

import org.junit.jupiter.api.Test;

/**
 * A wrong peer is recognised from its first bytes, and the error says what it looks like.
 */
class PrefaceTest {

    private final NativeHandshake handshake = new NativeHandshake("orders", Role.ACCEPTOR, null);

    @Test
    void prefaceIsMagicVersionFlagsAndReservedBytes() {
        assertThat(WireBytes.drain(handshake)).isEqualTo(hex("50495043 02 00 0000"));
        assertThat(WireBytes.drain(new NativeHandshake("orders", Role.ACCEPTOR, ascii("k"))))
                .startsWith(hex("50495043 02 01 0000"));
    }

    @Test
    void garbageIsRefusedShowingItsBytes() {
        assertThat(refusal(ascii("hello, world")))
                .hasMessageContaining("pipe 'orders'")
                .hasMessageContaining("68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 (\"hello, world\")")
                .hasMessageContaining("not the pipc preface 50 49 50 43");
    }

    @Test
    void httpRequestIsRecognised() {
        for (String method : new String[] {"GET / HTTP/1.1\r\n", "POST /x HTTP/1.1", "PUT /y HTTP/1.1", "HEAD / HTTP/1.0"}) {
            assertThat(refusal(ascii(method))).as(method).hasMessageContaining("HTTP request");
        }
    }

    @Test
    void httpResponseIsRecognised() {
        assertThat(refusal(ascii("HTTP/1.1 400 Bad Request\r\n"))).hasMessageContaining("HTTP server");
    }

    @Test
    void tlsClientHelloIsRecognisedWithTheFix() {
        assertThat(refusal(hex("16 03 01 00 a5 01 00 00 a1 03 03")))
                .hasMessageContaining("speaks TLS").hasMessageContaining("enable TLS on this end");
    }

    @Test
    void pythonLengthPrefixIsRecognisedWithTheFix() {
        assertThat(refusal(hex("00000005 68656c6c6f")))
                .hasMessageContaining("Python's multiprocessing.connection").hasMessageContaining("5 bytes")
                .hasMessageContaining("set wire=PYTHON");
    }

    @Test
    void pythonChallengeIsRecognisedWithTheFix() {
        assertThat(refusal(concat(hex("0000003b"), ascii("#CHALLENGE#{sha256}"), new byte[40])))
                .hasMessageContaining("authentication challenge").hasMessageContaining("set wire=PYTHON");
    }

    @Test
    void wrongMagicIsRefusedAtTheFirstWrongByteWithoutWaitingForMore() {
        assertThat(refusal(ascii("G"))).isInstanceOf(ProtocolException.class).hasMessageContaining("47 (\"G\")");
        NativeHandshake other = new NativeHandshake("orders", Role.ACCEPTOR, null);
        other.consume(ByteBuffer.wrap(ascii("PI")));
        assertThatThrownBy(() -> other.consume(ByteBuffer.wrap(ascii("X")))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void otherVersionIsRefusedNamingBoth() {
        assertThat(refusal(hex("50495043 03 00 0000")))
                .hasMessageContaining("peer speaks pipc wire version 3; this end speaks 2");
    }

    @Test
    void versionOneWhoseAuthenticationCouldBeForgedIsRefusedWithTheReason() {
        assertThat(refusal(hex("50495043 01 01 0000")))
                .hasMessageContaining("peer speaks pipc wire version 1, an older pipc whose authentication can be"
                        + " forged across connections; this end speaks 2")
                .hasMessageContaining("upgrade pipc on the peer");
    }

    @Test
    void nonZeroReservedBytesAreRefused() {
        assertThat(refusal(hex("50495043 02 00 0001"))).hasMessageContaining("reserved bytes 00 01");
    }

    @Test
    void unknownFlagBitsAreRefused() {
        assertThat(refusal(hex("50495043 02 03 0000"))).hasMessageContaining("unknown flag bits 0x02");
    }

    private Throwable refusal(byte[] peerBytes) {
        ProtocolException e = org.junit.jupiter.api.Assertions.assertThrows(ProtocolException.class,
                () -> handshake.consume(ByteBuffer.wrap(peerBytes)));
        assertThat(handshake.isComplete()).isFalse();
        return e;
    }
}
