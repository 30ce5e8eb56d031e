package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.decodeAll;
import static io.pipc.wire.WireBytes.decodeInChunks;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.pythonMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.pipc.AuthenticationException;
import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Python wire's framing, as CPython's {@code Connection._send_bytes} and {@code _recv_bytes} lay it out.
 */
class PythonFramingTest {

    private static final int MAX = 1000;
    private static final FrameEncoder ENCODER = PythonFrameEncoder.INSTANCE;

    private final PythonFrameDecoder decoder = new PythonFrameDecoder("py", MAX, false);

    private static final List<Envelope> MESSAGES = List.of(
            Envelope.of(ascii("hi")), Envelope.of(new byte[0]), Envelope.of(new byte[MAX]), Envelope.of(ascii("last")));

    @Test
    void messageIsAFourByteBigEndianLengthThenThePayload() {
        assertThat(ENCODER.encodeData(Envelope.of(ascii("hi")))).isEqualTo(hex("00000002 6869"));
        assertThat(ENCODER.dataHeaderLength(Envelope.of(new byte[70000]))).isEqualTo(4);
    }

    @Test
    void aBarePayloadsLengthPrefixIsThatOfItsEnvelope() {
        ByteBuffer plain = ByteBuffer.allocate(ENCODER.plainDataHeaderLength());

        ENCODER.encodePlainDataHeader(70000, plain);

        assertThat(plain.array()).isEqualTo(hex("00011170"));
        assertThat(ENCODER.encodeData(Envelope.of(new byte[70000]))).startsWith(plain.array());
    }

    @Test
    void headersAreNotCarried() {
        assertThat(ENCODER.encodeData(new Envelope(ascii("hi"), "corr", "text/plain"))).isEqualTo(hex("00000002 6869"));
    }

    @Test
    void thereAreNoControlFrames() {
        ByteBuffer out = ByteBuffer.allocate(64);

        assertThat(ENCODER.encodeHeartbeat(out)).isFalse();
        assertThat(ENCODER.encodeDisconnect("bye", out)).isFalse();
        assertThat(ENCODER.encodeGoodbye(out)).isFalse();
        assertThat(ENCODER.maxControlFrameLength()).isZero();
        assertThat(out.position()).isZero();
    }

    @Test
    void aSocketPipeGetsEachMessageAsItsBarePayloadWithNothingAroundIt() {
        byte[] stream = encode(MESSAGES);
        List<Object> entries = new ArrayList<>();

        decoder.decodeEntries(ByteBuffer.wrap(stream), entries);

        assertThat(entries).hasSize(MESSAGES.size()).allSatisfy(entry -> assertThat(entry).isInstanceOf(byte[].class));
        assertThat(entries).extracting(entry -> (byte[]) entry).containsExactlyElementsOf(MESSAGES.stream().map(Envelope::payload).toList());
    }

    @Test
    void decodesAStreamFedOneByteAtATimeAndSplitInTwoAtEveryPoint() {
        byte[] stream = encode(MESSAGES);
        List<Frame> expected = MESSAGES.stream().<Frame>map(Frame.Data::new).toList();

        assertThat(decodeInChunks(decoder, stream, 1)).isEqualTo(expected);
        for (int split = 0; split <= stream.length; split++) {
            PythonFrameDecoder fresh = new PythonFrameDecoder("py", MAX, false);
            List<Frame> frames = new ArrayList<>();
            fresh.decode(ByteBuffer.wrap(stream, 0, split), frames);
            fresh.decode(ByteBuffer.wrap(stream, split, stream.length - split), frames);
            assertThat(frames).as("split at %d", split).isEqualTo(expected);
        }
    }

    @Test
    void eightByteLengthFormAfterMinusOneIsDecoded() {
        byte[] stream = concat(hex("ffffffff 0000000000000005"), ascii("hello"), pythonMessage(ascii("next")));

        assertThat(decodeInChunks(decoder, stream, 1)).containsExactly(
                new Frame.Data(Envelope.of(ascii("hello"))), new Frame.Data(Envelope.of(ascii("next"))));
    }

    @Test
    void eightByteLengthOverTheMaximumIsRefusedBeforeAllocation() {
        assertThatThrownBy(() -> decodeAll(decoder, hex("ffffffff 0000000100000000")))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
                    assertThat(e.size()).isEqualTo(0x1_0000_0000L);
                    assertThat(e).hasMessageContaining("4294967296 bytes");
                });
        PythonFrameDecoder other = new PythonFrameDecoder("py", MAX, false);
        assertThatThrownBy(() -> decodeAll(other, hex("ffffffff ffffffffffffffff")))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
                    assertThat(e.size()).isEqualTo(Long.MAX_VALUE);
                    assertThat(e).hasMessageContaining("18446744073709551615 bytes");
                });
        assertThat(decoder.partialCapacity()).isZero();
    }

    @Test
    void largestAllowedMessageIsDeliveredAndOneByteMoreIsRefusedFromItsLength() {
        assertThat(decodeAll(decoder, pythonMessage(new byte[MAX]))).hasSize(1);

        assertThatThrownBy(() -> decodeAll(decoder, hex("000003e9")))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
                    assertThat(e.size()).isEqualTo(MAX + 1);
                    assertThat(e.maximum()).isEqualTo(MAX);
                    assertThat(e).hasMessageContaining("pipe 'py'");
                });
        assertThat(decoder.partialCapacity()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7FFFFFF0, 0x47455420, 0x50495043})
    void absurdLengthsAreRefusedBeforeAnyAllocation(int length) {
        PythonFrameDecoder defaults = new PythonFrameDecoder("py", 8 * 1024 * 1024, false);

        assertThatThrownBy(() -> decodeAll(defaults, ByteBuffer.allocate(4).putInt(length).array()))
                .isInstanceOf(MessageTooLargeException.class);
        assertThat(defaults.partialCapacity()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fffffffe", "80000000"})
    void negativeLengthOtherThanMinusOneIsRefused(String length) {
        assertThatThrownBy(() -> decodeAll(decoder, hex(length)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("no negative length but -1");
    }

    @Test
    void bufferForAPartialMessageGrowsWithTheBytesThatArrived() {
        PythonFrameDecoder big = new PythonFrameDecoder("py", 8 * 1024 * 1024, false);
        List<Frame> frames = new ArrayList<>();

        big.decode(ByteBuffer.wrap(concat(hex("00800000"), new byte[10])), frames);

        assertThat(big.partialCapacity()).isEqualTo(64 * 1024);
        big.decode(ByteBuffer.wrap(new byte[100 * 1024]), frames);
        assertThat(big.partialCapacity()).isEqualTo(2 * 64 * 1024);
        assertThat(frames).isEmpty();
    }

    @Test
    void streamEndingMidMessageSaysHowManyBytesOfHowManyArrived() {
        decodeAll(decoder, Arrays.copyOf(pythonMessage(new byte[100]), 30));

        assertThatThrownBy(decoder::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e).hasMessageContaining("30 of 104 bytes arrived");
            assertThat(e.partialBytesReceived()).isEqualTo(30);
            assertThat(e.partialBytesExpected()).isEqualTo(104);
        });
    }

    @Test
    void streamEndingInsideTheLengthReportsAnUnknownExpectedLength() {
        decodeAll(decoder, hex("ffffffff 0000"));

        assertThatThrownBy(decoder::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e.partialBytesReceived()).isEqualTo(6);
            assertThat(e.partialBytesExpected()).isEqualTo(-1);
        });
    }

    @Test
    void streamEndingBetweenMessagesIsNoErrorForTheDecoder() {
        decodeAll(decoder, encode(MESSAGES));

        decoder.endOfStream();

        assertThat(decoder.isMidFrame()).isFalse();
    }

    @Test
    void firstMessageThatIsAnAuthenticationChallengeTellsAnEndWithoutSecretToSetOne() {
        PythonFrameDecoder withoutSecret = new PythonFrameDecoder("py", MAX, true);

        assertThatThrownBy(() -> decodeAll(withoutSecret, pythonMessage(concat(ascii("#CHALLENGE#{sha256}"), new byte[40]))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("set PipeOptions.secret");
    }

    @Test
    void onlyTheFirstMessageIsTakenForAChallenge() {
        PythonFrameDecoder withoutSecret = new PythonFrameDecoder("py", MAX, true);
        byte[] lookalike = ascii("#CHALLENGE# is just text here");

        assertThat(decodeAll(withoutSecret, concat(pythonMessage(ascii("first")), pythonMessage(lookalike))))
                .containsExactly(new Frame.Data(Envelope.of(ascii("first"))), new Frame.Data(Envelope.of(lookalike)));
    }

    private static byte[] encode(List<Envelope> messages) {
        return concat(messages.stream().map(ENCODER::encodeData).toArray(byte[][]::new));
    }
}
