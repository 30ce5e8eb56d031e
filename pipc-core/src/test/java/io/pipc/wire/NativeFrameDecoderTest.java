package io.pipc.wire;

import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.decodeAll;
import static io.pipc.wire.WireBytes.decodeInChunks;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.nativeFrame;
import static io.pipc.wire.WireBytes.nativeHeader;
import static io.pipc.wire.WireBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NativeFrameDecoderTest {

    private static final int MAX = 1000;
    private static final FrameEncoder ENCODER = NativeFrameEncoder.INSTANCE;

    private final NativeFrameDecoder decoder = new NativeFrameDecoder("orders", MAX);

    /** Several frames of every kind, back to back, as one stream. */
    private static final List<Frame> MIXED = List.of(
            new Frame.Data(Envelope.of(utf8("hi"))),
            new Frame.Data(Envelope.of(new byte[0])),
            Frame.Heartbeat.INSTANCE,
            new Frame.Data(new Envelope(utf8("request"), "42", "text/plain")),
            new Frame.Data(new Envelope(new byte[0], "7", null)),
            new Frame.Data(Envelope.of(new byte[MAX])),
            new Frame.Disconnect("bye ✓"),
            new Frame.Disconnect(""),
            Frame.Goodbye.INSTANCE);

    @Test
    void decodesAStreamOfSeveralFramesFedOneByteAtATime() {
        assertThat(decodeInChunks(decoder, encode(MIXED), 1)).isEqualTo(MIXED);
        assertThat(decoder.isMidFrame()).isFalse();
    }

    @Test
    void aSocketPipeGetsAPlainMessageAsItsPayloadOneWithHeadersAsItsEnvelopeAndControlFramesAsThemselves() {
        List<Object> entries = new ArrayList<>();

        decoder.decodeEntries(ByteBuffer.wrap(encode(MIXED)), entries);

        assertThat(entries).hasSize(MIXED.size());
        for (int i = 0; i < MIXED.size(); i++) {
            Object entry = entries.get(i);
            if (MIXED.get(i) instanceof Frame.Data data && !data.message().hasHeaders()) {
                assertThat(entry).as("entry %d", i).isInstanceOf(byte[].class);
                assertThat((byte[]) entry).as("entry %d", i).isEqualTo(data.message().payload());
            } else if (MIXED.get(i) instanceof Frame.Data data) {
                assertThat(entry).as("entry %d", i).isEqualTo(data.message());
            } else {
                assertThat(entry).as("entry %d", i).isEqualTo(MIXED.get(i));
            }
        }
    }

    @Test
    void decodesAStreamSplitInTwoAtEveryPoint() {
        byte[] stream = encode(MIXED);
        for (int split = 0; split <= stream.length; split++) {
            NativeFrameDecoder fresh = new NativeFrameDecoder("orders", MAX);
            List<Frame> frames = new ArrayList<>();
            fresh.decode(ByteBuffer.wrap(stream, 0, split), frames);
            fresh.decode(ByteBuffer.wrap(stream, split, stream.length - split), frames);
            assertThat(frames).as("split at %d", split).isEqualTo(MIXED);
        }
    }

    @Test
    void decodesAStreamCutIntoRandomPieces() {
        byte[] stream = encode(MIXED);
        for (long seed = 0; seed < 50; seed++) {
            Random random = new Random(seed);
            NativeFrameDecoder fresh = new NativeFrameDecoder("orders", MAX);
            List<Frame> frames = new ArrayList<>();
            for (int offset = 0; offset < stream.length;) {
                int n = Math.min(1 + random.nextInt(40), stream.length - offset);
                fresh.decode(ByteBuffer.wrap(stream, offset, n), frames);
                offset += n;
            }
            assertThat(frames).as("seed %d", seed).isEqualTo(MIXED);
        }
    }

    @Test
    void zeroLengthMessageAtTheEndOfTheInputIsDelivered() {
        assertThat(decodeAll(decoder, hex("00000000 01"))).containsExactly(new Frame.Data(Envelope.of(new byte[0])));
        assertThat(decoder.isMidFrame()).isFalse();
    }

    @Test
    void largestAllowedMessageIsDelivered() {
        byte[] payload = new byte[MAX];
        new Random(1).nextBytes(payload);
        Envelope withHeaders = new Envelope(payload, "x".repeat(255), "y".repeat(255));

        List<Frame> frames = decodeInChunks(decoder,
                concat(ENCODER.encodeData(Envelope.of(payload)), ENCODER.encodeData(withHeaders)), 97);

        assertThat(frames).containsExactly(new Frame.Data(Envelope.of(payload)), new Frame.Data(withHeaders));
    }

    @Test
    void messageOneByteOverTheMaximumIsRefusedFromItsHeaderAlone() {
        assertThatThrownBy(() -> decodeAll(decoder, nativeHeader(MAX + 1, 0x01)))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> {
                    assertThat(e.size()).isEqualTo(MAX + 1);
                    assertThat(e.maximum()).isEqualTo(MAX);
                    assertThat(e).hasMessageContaining("pipe 'orders'").hasMessageContaining("1001 bytes")
                            .hasMessageContaining("maxMessageSize 1000");
                });
        assertThat(decoder.partialCapacity()).isZero();
    }

    @Test
    void headersCannotSmuggleAPayloadOverTheMaximum() {
        byte[] frame = ENCODER.encodeData(new Envelope(new byte[MAX + 1], "id", null));

        assertThatThrownBy(() -> decodeAll(decoder, frame))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> assertThat(e.size()).isEqualTo(MAX + 1));
    }

    @Test
    void headersFrameOverTheLargestHeaderBlockAllowanceIsRefusedFromItsHeader() {
        assertThatThrownBy(() -> decodeAll(decoder, nativeHeader(MAX + 4627 + 1, 0x02)))
                .isInstanceOf(MessageTooLargeException.class);
        assertThat(decoder.partialCapacity()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x7FFFFFF0, 0x47455420, 0x7FFFFFFF})
    void absurdLengthsAreRefusedBeforeAnyAllocation(int length) {
        NativeFrameDecoder defaults = new NativeFrameDecoder("orders", 8 * 1024 * 1024);

        assertThatThrownBy(() -> decodeAll(defaults, nativeHeader(length, 0x01)))
                .isInstanceOfSatisfying(MessageTooLargeException.class, e -> assertThat(e.size()).isEqualTo(length));
        assertThat(defaults.partialCapacity()).isZero();
    }

    @Test
    void lengthWithBit31SetIsRefusedAsNegative() {
        assertThatThrownBy(() -> decodeAll(decoder, hex("80000000 01")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("bit 31");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x03, 0x14, 0x23, 0xFF})
    void unknownFrameTypeIsRefused(int type) {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(type, new byte[2])))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown type 0x%02x", type);
    }

    @Test
    void bufferForAPartialBodyGrowsWithTheBytesThatArrivedNotWithTheAnnouncedLength() {
        int announced = 8 * 1024 * 1024;
        NativeFrameDecoder big = new NativeFrameDecoder("orders", announced);
        List<Frame> frames = new ArrayList<>();

        big.decode(ByteBuffer.wrap(concat(nativeHeader(announced, 0x01), new byte[10])), frames);
        assertThat(big.partialCapacity()).isEqualTo(64 * 1024);

        int arrived = 10;
        for (int i = 0; i < 10; i++) {
            big.decode(ByteBuffer.wrap(new byte[10 * 1024]), frames);
            arrived += 10 * 1024;
            assertThat(big.partialCapacity()).isLessThanOrEqualTo(Math.max(64 * 1024, 2 * arrived));
        }
        big.decode(ByteBuffer.wrap(new byte[announced - arrived]), frames);

        assertThat(frames).singleElement().satisfies(f -> assertThat(((Frame.Data) f).message().payload()).hasSize(announced));
        assertThat(big.partialCapacity()).isZero();
    }

    @Test
    void bodyWhollyInTheInputNeedsNoPartialBuffer() {
        List<Frame> frames = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(concat(nativeFrame(0x01, utf8("hi")), nativeHeader(100, 0x01)));

        decoder.decode(in, frames);

        assertThat(frames).containsExactly(new Frame.Data(Envelope.of(utf8("hi"))));
        assertThat(decoder.partialCapacity()).isZero();
        assertThat(decoder.isMidFrame()).isTrue();
    }

    @Test
    void streamEndingMidBodySaysHowManyBytesOfHowManyArrived() {
        byte[] partial = Arrays.copyOf(nativeFrame(0x01, new byte[10000]), 1234);
        NativeFrameDecoder big = new NativeFrameDecoder("orders", 20000);
        decodeAll(big, partial);

        assertThat(big.isMidFrame()).isTrue();
        assertThatThrownBy(big::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e).hasMessageContaining("pipe 'orders'")
                    .hasMessageContaining("peer closed in the middle of a frame: 1234 of 10005 bytes arrived");
            assertThat(e.partialBytesReceived()).isEqualTo(1234);
            assertThat(e.partialBytesExpected()).isEqualTo(10005);
            assertThat(e.endedMidFrame()).isTrue();
        });
    }

    @Test
    void streamEndingInsideTheHeaderReportsAnUnknownExpectedLength() {
        decodeAll(decoder, hex("000000"));

        assertThatThrownBy(decoder::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e).hasMessageContaining("3 of the 5 bytes of its header");
            assertThat(e.partialBytesReceived()).isEqualTo(3);
            assertThat(e.partialBytesExpected()).isEqualTo(-1);
        });
    }

    @Test
    void streamEndingInsideAHeaderBlockCountsItsBytes() {
        byte[] frame = ENCODER.encodeData(new Envelope(utf8("payload"), "abc", null));
        decodeAll(decoder, Arrays.copyOf(frame, 8));

        assertThatThrownBy(decoder::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e.partialBytesReceived()).isEqualTo(8);
            assertThat(e.partialBytesExpected()).isEqualTo(frame.length);
        });
    }

    @Test
    void streamEndingBetweenFramesIsNoErrorForTheDecoder() {
        decodeAll(decoder, encode(MIXED));

        decoder.endOfStream();

        assertThat(decoder.isMidFrame()).isFalse();
    }

    @Test
    void headersRoundTripAloneTogetherAtFullLengthAndInUnicode() {
        List<Frame> frames = List.of(
                new Frame.Data(new Envelope(utf8("a"), "corr-1", null)),
                new Frame.Data(new Envelope(utf8("b"), null, "application/json")),
                new Frame.Data(new Envelope(utf8("c"), "corr-2", "text/plain; charset=utf-8")),
                new Frame.Data(new Envelope(utf8("d"), "i".repeat(255), "t".repeat(255))),
                new Frame.Data(new Envelope(utf8("e"), "✓".repeat(85), "über/😀")),
                new Frame.Data(new Envelope(utf8("f"), "", "")));

        assertThat(decodeInChunks(decoder, encode(frames), 3)).isEqualTo(frames);
    }

    @Test
    void unknownHeaderKeyIsSkippedEvenWithInvalidUtf8() {
        byte[] block = hex("03 7f 03 ff fe fd 01 02 3432 40 00");
        byte[] frame = nativeFrame(0x02, concat(block, utf8("payload")));

        assertThat(decodeInChunks(decoder, frame, 1))
                .containsExactly(new Frame.Data(new Envelope(utf8("payload"), "42", null)));
    }

    @Test
    void headerBlockOfOnlyUnknownKeysGivesAMessageWithoutHeaders() {
        byte[] frame = nativeFrame(0x02, concat(hex("01 09 01 41"), utf8("x")));

        assertThat(decodeAll(decoder, frame)).containsExactly(new Frame.Data(Envelope.of(utf8("x"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"02 01 01 41 01 01 42", "02 7f 00 7f 00"})
    void duplicateHeaderKeyIsRefused(String block) {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, concat(hex(block), utf8("x")))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"00 01 01 41", "13 01 01 41"})
    void headerCountOutsideOneToEighteenIsRefused(String block) {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, hex(block))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("1 to 18");
    }

    @Test
    void applicationHeadersRoundTripInOrderNextToTheFixedOnesAtEveryLimit() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        headers.put("Z", "über ✓");
        headers.put("n".repeat(64), "");
        headers.put("a", "x".repeat(253));
        for (int i = headers.size(); i < 16; i++) {
            headers.put("h" + (16 - i), "!#$%&'*+-.^_`|~");
        }
        List<Frame> frames = List.of(
                new Frame.Data(new Envelope(utf8("a"), "i".repeat(255), "t".repeat(255), headers)),
                new Frame.Data(new Envelope(utf8("b"), null, null, Map.of("b3", "80f198ee56343ba8-e457b5a2e4d86bd1-1"))),
                new Frame.Data(new Envelope(utf8("c"), "7", null)));

        assertThat(decodeInChunks(decoder, encode(frames), 5)).isEqualTo(frames);
        assertThat(((Frame.Data) decodeAll(new NativeFrameDecoder("orders", MAX), encode(frames)).get(0)).message()
                .headers().keySet()).containsExactlyElementsOf(headers.keySet());
    }

    @Test
    void theLargestHeaderBlockIsTheAllowanceOverTheMaximumMessage() {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < 16; i++) {
            headers.put("h" + i, "x".repeat(254 - ("h" + i).length()));
        }
        byte[] frame = ENCODER.encodeData(new Envelope(new byte[MAX], "i".repeat(255), "t".repeat(255), headers));

        assertThat(frame.length).isEqualTo(5 + MAX + 4627);
        assertThat(decodeAll(decoder, frame)).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "02 03 03 01 61 31 03 03 01 61 32 twice",
            "01 03 01 00 name is 0 bytes",
            "01 03 03 05 61 62 name is 5 bytes long in an entry of 3",
            "01 03 42 41 " + "61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61"
                    + " 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61"
                    + " name is 65 bytes",
            "01 03 00 name is 0 bytes long in an entry of 0",
            "01 03 03 01 20 41 byte 0x20",
            "01 03 03 01 c3 41 byte 0xc3",
            "01 03 03 01 61 ff not valid UTF-8"})
    void malformedApplicationHeadersAreRefusedSayingWhy(String blockAndReason) {
        String block = blockAndReason.substring(0, firstWordIndex(blockAndReason)).strip();
        String reason = blockAndReason.substring(firstWordIndex(blockAndReason));

        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, concat(hex(block), utf8("x")))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining(reason);
    }

    /** Where the reason starts: the first word that is not two hex digits. */
    private static int firstWordIndex(String text) {
        int at = 0;
        while (text.substring(at).matches("[0-9a-f]{2} .*")) {
            at += 3;
        }
        return at;
    }

    @Test
    void moreThanSixteenApplicationHeadersAreRefused() {
        StringBuilder block = new StringBuilder("11");
        for (int i = 0; i < 17; i++) {
            block.append(" 03 03 01 ").append(String.format("%02x", 0x61 + i)).append(" 76");
        }

        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, concat(hex(block.toString()), utf8("x")))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("more than 16 application headers");
    }

    @Test
    void headerBlockRunningPastTheEndOfItsFrameIsRefused() {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, hex("01 01 05 41 42"))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("runs past the end");
    }

    @Test
    void headersFrameTooShortForAnyHeaderBlockIsRefused() {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, hex("01 01"))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("too short");
    }

    @Test
    void correlationIdThatIsNotUtf8IsRefused() {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(0x02, hex("01 01 02 c3 28"))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not valid UTF-8");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x10, 0x12})
    void heartbeatAndGoodbyeMustBeEmpty(int type) {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(type, new byte[1])))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("must be empty");
    }

    @Test
    void disconnectReasonOverTheLimitIsRefusedFromItsHeader() {
        assertThatThrownBy(() -> decodeAll(decoder, nativeHeader(1025, 0x11)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("1025 bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x20, 0x21, 0x22})
    void authenticationFrameAfterTheHandshakeIsRefused(int type) {
        assertThatThrownBy(() -> decodeAll(decoder, nativeFrame(type, new byte[type == 0x22 ? 1 : 32])))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("after the handshake");
    }

    @Test
    void framesBeforeAFailureAreKeptAndTheDecoderRefusesFurtherInput() {
        List<Frame> frames = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(concat(nativeFrame(0x01, utf8("ok")), nativeFrame(0x00, new byte[0])));

        assertThatThrownBy(() -> decoder.decode(in, frames)).isInstanceOf(ProtocolException.class);

        assertThat(frames).containsExactly(new Frame.Data(Envelope.of(utf8("ok"))));
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(nativeFrame(0x01, new byte[0])), frames))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed earlier");
    }

    private static byte[] encode(List<Frame> frames) {
        List<byte[]> parts = new ArrayList<>();
        for (Frame frame : frames) {
            ByteBuffer control = ByteBuffer.allocate(ENCODER.maxControlFrameLength());
            if (frame instanceof Frame.Data data) {
                parts.add(ENCODER.encodeData(data.message()));
            } else if (frame instanceof Frame.Disconnect disconnect) {
                ENCODER.encodeDisconnect(disconnect.reason(), control);
            } else if (frame instanceof Frame.Heartbeat) {
                ENCODER.encodeHeartbeat(control);
            } else {
                ENCODER.encodeGoodbye(control);
            }
            if (control.position() > 0) {
                parts.add(Arrays.copyOf(control.array(), control.position()));
            }
        }
        return concat(parts.toArray(byte[][]::new));
    }
}
