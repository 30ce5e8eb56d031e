package io.pipc.wire;

import static io.pipc.wire.WireBytes.decodeAll;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import io.pipc.Envelope;

import org.junit.jupiter.api.Test;

class NativeFrameEncoderTest {

    private final FrameEncoder encoder = NativeFrameEncoder.INSTANCE;

    @Test
    void messageWithoutHeadersIsADataFrame() {
        assertThat(hex(encoder.encodeData(Envelope.of(utf8("hi"))))).isEqualTo("000000020168" + "69");
        assertThat(encoder.dataHeaderLength(Envelope.of(utf8("hi")))).isEqualTo(5);
    }

    @Test
    void aBarePayloadsHeaderIsThatOfItsEnvelopeWithoutHeaders() {
        ByteBuffer plain = ByteBuffer.allocate(encoder.plainDataHeaderLength());
        ByteBuffer enveloped = ByteBuffer.allocate(encoder.dataHeaderLength(Envelope.of(new byte[300])));

        encoder.encodePlainDataHeader(300, plain);
        encoder.encodeDataHeader(Envelope.of(new byte[300]), enveloped);

        assertThat(hex(plain.array())).isEqualTo(hex(enveloped.array())).isEqualTo("0000012c01");
        assertThatThrownBy(() -> encoder.encodePlainDataHeader(1, ByteBuffer.allocate(4))).isInstanceOf(BufferOverflowException.class);
    }

    @Test
    void messageWithACorrelationIdIsADataWithHeadersFrame() {
        Envelope message = new Envelope(utf8("hi"), "7", null);

        assertThat(hex(encoder.encodeData(message))).isEqualTo("00000006" + "02" + "01" + "01" + "01" + "37" + "6869");
        assertThat(encoder.dataHeaderLength(message)).isEqualTo(5 + 4);
    }

    @Test
    void dataHeaderIsEverythingBeforeThePayload() {
        Envelope message = new Envelope(utf8("payload"), "corr", "text/plain");
        ByteBuffer out = ByteBuffer.allocate(encoder.dataHeaderLength(message));

        encoder.encodeDataHeader(message, out);

        assertThat(out.hasRemaining()).isFalse();
        byte[] whole = encoder.encodeData(message);
        assertThat(Arrays.copyOfRange(whole, out.capacity(), whole.length)).isEqualTo(utf8("payload"));
        assertThat(Arrays.copyOf(whole, out.capacity())).isEqualTo(out.array());
    }

    @Test
    void controlFramesHaveTheirTypesAndRoundTrip() {
        ByteBuffer out = ByteBuffer.allocate(3 * encoder.maxControlFrameLength());

        assertThat(encoder.encodeHeartbeat(out)).isTrue();
        assertThat(encoder.encodeDisconnect("shutting down", out)).isTrue();
        assertThat(encoder.encodeGoodbye(out)).isTrue();
        byte[] stream = Arrays.copyOf(out.array(), out.position());

        assertThat(hex(Arrays.copyOf(stream, 10))).isEqualTo("0000000010" + "0000000d11");
        assertThat(hex(Arrays.copyOfRange(stream, stream.length - 5, stream.length))).isEqualTo("0000000012");
        assertThat(decodeAll(new NativeFrameDecoder("orders", 10), stream)).containsExactly(
                Frame.Heartbeat.INSTANCE, new Frame.Disconnect("shutting down"), Frame.Goodbye.INSTANCE);
    }

    @Test
    void stopIsAnEmptyFrameOfType13ThatRoundTrips() {
        ByteBuffer out = ByteBuffer.allocate(encoder.maxControlFrameLength());

        assertThat(encoder.encodeStop(out)).isTrue();
        byte[] stream = Arrays.copyOf(out.array(), out.position());

        assertThat(hex(stream)).isEqualTo("0000000013");
        assertThat(decodeAll(new NativeFrameDecoder("orders", 10), stream)).containsExactly(Frame.Stop.INSTANCE);
    }

    @Test
    void disconnectReasonIsCutAt1024BytesOnACharacterBoundary() {
        String twoByteAtTheEdge = "a".repeat(1023) + "é";
        String surrogatePairAtTheEdge = "a".repeat(1022) + "😀";

        assertThat(disconnectReasonAfterRoundTrip(twoByteAtTheEdge)).isEqualTo("a".repeat(1023));
        assertThat(disconnectReasonAfterRoundTrip(surrogatePairAtTheEdge)).isEqualTo("a".repeat(1022));
        assertThat(disconnectReasonAfterRoundTrip("é".repeat(512))).isEqualTo("é".repeat(512));
        assertThat(disconnectReasonAfterRoundTrip("é".repeat(513))).isEqualTo("é".repeat(512));
    }

    @Test
    void longestDisconnectFillsTheMaximumControlFrame() {
        ByteBuffer out = ByteBuffer.allocate(encoder.maxControlFrameLength());

        encoder.encodeDisconnect("x".repeat(5000), out);

        assertThat(out.hasRemaining()).isFalse();
    }

    @Test
    void bufferTooSmallForTheHeaderReceivesNothing() {
        Envelope message = new Envelope(utf8("hi"), "correlation", null);
        ByteBuffer out = ByteBuffer.allocate(encoder.dataHeaderLength(message) - 1);

        assertThatThrownBy(() -> encoder.encodeDataHeader(message, out)).isInstanceOf(BufferOverflowException.class);
        assertThatThrownBy(() -> encoder.encodeDisconnect("reason", ByteBuffer.allocate(8)))
                .isInstanceOf(BufferOverflowException.class);

        assertThat(out.position()).isZero();
    }

    private String disconnectReasonAfterRoundTrip(String reason) {
        ByteBuffer out = ByteBuffer.allocate(encoder.maxControlFrameLength());
        encoder.encodeDisconnect(reason, out);
        Frame frame = decodeAll(new NativeFrameDecoder("orders", 0), Arrays.copyOf(out.array(), out.position())).get(0);
        return ((Frame.Disconnect) frame).reason();
    }
}
