package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.decodeAll;
import static io.pipc.wire.WireBytes.decodeInChunks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.PipeOptions;
import io.pipc.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The three parts together, as a transport drives them: handshake, then the bytes it left over
 * and everything after them through the decoder.
 */
@Timeout(10)
class WireFormatTest {

    @Test
    void optionsChooseTheWire() {
        assertThat(WireFormat.of(PipeOptions.defaults(), "orders")).isInstanceOf(NativeWire.class);
        assertThat(WireFormat.of(PipeOptions.builder().wire(Wire.PYTHON).build(), "orders")).isInstanceOf(PythonWire.class);
    }

    @Test
    void encoderIsSharedAndEachConnectionGetsItsOwnDecoderAndHandshake() {
        WireFormat wire = WireFormat.of(PipeOptions.defaults(), "orders");

        assertThat(wire.encoder()).isSameAs(WireFormat.of(PipeOptions.defaults(), "other").encoder());
        assertThat(wire.newDecoder()).isNotSameAs(wire.newDecoder());
        assertThat(wire.newHandshake(Role.ACCEPTOR, ConnectionBinding.inMemory(Role.ACCEPTOR)))
                .isNotSameAs(wire.newHandshake(Role.ACCEPTOR, ConnectionBinding.inMemory(Role.ACCEPTOR)));
    }

    @Test
    void decoderUsesTheOptionsMaximumAndTheErrorNamesThePipe() {
        WireFormat wire = WireFormat.of(PipeOptions.builder().maxMessageSize(10).build(), "orders");
        byte[] frame = wire.encoder().encodeData(Envelope.of(new byte[11]));

        assertThatThrownBy(() -> decodeAll(wire.newDecoder(), frame))
                .isInstanceOf(MessageTooLargeException.class).hasMessageContaining("pipe 'orders'");
    }

    @Test
    void nativeWireCarriesMessagesWithHeadersAfterAnAuthenticatedHandshake() {
        WireFormat wire = WireFormat.of(PipeOptions.builder().secret("s3cret").build(), "orders");
        Envelope request = new Envelope(ascii("order #1"), "req-1", "text/plain");

        assertThat(connectThenSend(wire, request)).containsExactly(new Frame.Data(request));
    }

    @Test
    void nativeWireCarriesMessagesWithoutSecrets() {
        WireFormat wire = WireFormat.of(PipeOptions.defaults(), "orders");

        assertThat(connectThenSend(wire, Envelope.of(ascii("plain")))).containsExactly(new Frame.Data(Envelope.of(ascii("plain"))));
    }

    @Test
    void pythonWireCarriesPayloadsAfterAnAuthenticatedHandshake() {
        WireFormat wire = WireFormat.of(PipeOptions.builder().wire(Wire.PYTHON).secret("authkey").build(), "py");

        assertThat(connectThenSend(wire, new Envelope(ascii("payload"), "dropped", null)))
                .containsExactly(new Frame.Data(Envelope.of(ascii("payload"))));
    }

    /**
     * Runs the handshake between an acceptor and a connector, the connector sending its first
     * message right behind its last handshake bytes, and decodes what reaches the acceptor.
     */
    private static List<Frame> connectThenSend(WireFormat wire, Envelope message) {
        Handshake acceptor = wire.newHandshake(Role.ACCEPTOR, ConnectionBinding.inMemory(Role.ACCEPTOR));
        Handshake connector = wire.newHandshake(Role.CONNECTOR, ConnectionBinding.inMemory(Role.CONNECTOR));
        byte[] toAcceptor = new byte[0];
        for (int round = 0; round < 10 && !connector.isComplete(); round++) {
            connector.consume(ByteBuffer.wrap(WireBytes.drain(acceptor)));
            byte[] sent = WireBytes.drain(connector);
            if (!connector.isComplete()) {
                acceptor.consume(ByteBuffer.wrap(sent));
            } else {
                toAcceptor = sent;
            }
        }
        assertThat(connector.isComplete()).isTrue();
        byte[] stream = concat(toAcceptor, wire.encoder().encodeData(message));

        ByteBuffer in = ByteBuffer.wrap(stream);
        acceptor.consume(in);
        assertThat(acceptor.isComplete()).isTrue();
        List<Frame> frames = new ArrayList<>();
        FrameDecoder decoder = wire.newDecoder();
        decoder.decode(in, frames);
        assertThat(decodeInChunks(wire.newDecoder(), wire.encoder().encodeData(message), 1)).isEqualTo(frames);
        return frames;
    }
}
