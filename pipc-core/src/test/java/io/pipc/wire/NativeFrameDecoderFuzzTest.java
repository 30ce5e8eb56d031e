package io.pipc.wire;

import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.nativeFrame;
import static io.pipc.wire.WireBytes.nativeHeader;
import static io.pipc.wire.WireBytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.PipeOptions;
import io.pipc.ProtocolException;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.Timeout;

/**
 * The native frame decoder against any stream, cut into any chunks. The input is a
 * {@link FuzzedStream}; its options byte picks {@code maxMessageSize} from {@link #MAX_SIZES}
 * (low 3 bits), so that the limits are reached by short inputs, and one size above the 64 KiB
 * first allocation exercises the growing buffer. Besides {@link DecoderFuzzing}'s checks: the
 * chunked delivery decodes exactly what the whole stream decodes, and no frame exceeds its limit.
 *
 * <p>{@code mvn verify} runs it over the seeds in {@code NativeFrameDecoderFuzzTestInputs};
 * docs/reliability.md ("Fuzzing") says how to fuzz it.
 */
@Timeout(10)
class NativeFrameDecoderFuzzTest {

    /** The {@code maxMessageSize} each value of the options' low 3 bits selects. */
    static final int[] MAX_SIZES = {0, 1, 5, 16, 100, 1000, 70_000, 8 * 1024 * 1024};

    @FuzzTest
    void decodesAnyStreamInAnyChunksAsItDecodesItWhole(byte[] input) {
        FuzzedStream stream = FuzzedStream.parse(input);
        int max = MAX_SIZES[stream.options() & 7];
        NativeFrameDecoder chunked = decoder(max);
        DecoderFuzzing.Outcome outcome = DecoderFuzzing.decode(chunked, stream, contract(chunked, max));
        NativeFrameDecoder whole = decoder(max);
        DecoderFuzzing.Outcome reference = DecoderFuzzing.decodeWhole(whole, stream, contract(whole, max));

        assertThat(outcome).as("chunks %s", stream.chunks()).isEqualTo(reference);
        for (Frame frame : outcome.frames()) {
            assertWithinLimits(frame, max);
        }
    }

    private static NativeFrameDecoder decoder(int maxMessageSize) {
        PipeOptions options = PipeOptions.builder().maxMessageSize(maxMessageSize).build();
        return (NativeFrameDecoder) WireFormat.of(options, "fuzz").newDecoder();
    }

    private static DecoderFuzzing.Contract contract(NativeFrameDecoder decoder, int maxMessageSize) {
        return new DecoderFuzzing.Contract(Set.of(ProtocolException.class, MessageTooLargeException.class),
                decoder::partialCapacity, (long) maxMessageSize + HeaderBlock.MAX_LENGTH);
    }

    private static void assertWithinLimits(Frame frame, int maxMessageSize) {
        if (frame instanceof Frame.Data data) {
            Envelope message = data.message();
            assertThat(message.payload().length).isLessThanOrEqualTo(maxMessageSize);
            assertHeaderFits(message.correlationId());
            assertHeaderFits(message.contentType());
        } else if (frame instanceof Frame.Disconnect disconnect) {
            assertThat(disconnect.reason().getBytes(StandardCharsets.UTF_8).length)
                    .as("a reason of at most 1024 bytes, bad UTF-8 shown as U+FFFD (3 bytes each)")
                    .isLessThanOrEqualTo(3 * NativeWire.MAX_DISCONNECT_REASON);
        }
    }

    private static void assertHeaderFits(String value) {
        if (value != null) {
            assertThat(value.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(HeaderBlock.MAX_VALUE_LENGTH);
        }
    }

    /**
     * @return the committed seeds, by file name: the frames of docs/protocol.md 1.7 and the
     *         refusals of 1.2 to 1.4, for {@link FuzzSeedWriter}
     */
    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        int max1000 = 5;
        int max16 = 3;
        byte[] data = hex("00 00 00 02 01 68 69");
        byte[] withCorrelation = hex("00 00 00 0a 02 01 01 05 72 65 71 2d 31 68 69");
        byte[] withBoth = hex("00 00 00 18 02 02 01 01 37 02 10 61 70 70 6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 7b 7d");
        byte[] controls = hex("00 00 00 03 11 62 79 65 00 00 00 00 10 00 00 00 00 12 00 00 00 00 13");
        seeds.put("protocol-examples-whole", FuzzedStream.seed(max1000, new int[] {256}, data, withCorrelation, withBoth, controls));
        seeds.put("protocol-examples-byte-by-byte", FuzzedStream.seed(max1000, new int[] {1}, data, withCorrelation, withBoth, controls));
        seeds.put("protocol-examples-odd-chunks", FuzzedStream.seed(max1000, new int[] {3, 1, 7, 2, 5}, data, withCorrelation,
                withBoth, controls));
        seeds.put("unknown-header-key-skipped", FuzzedStream.seed(max1000, new int[] {4},
                nativeFrame(0x02, hex("02 7f 03 61 62 63 01 01 39 21"))));
        seeds.put("empty-data-and-empty-reason", FuzzedStream.seed(0, new int[] {2}, nativeHeader(0, 0x01), nativeHeader(0, 0x11)));
        seeds.put("data-at-the-limit", FuzzedStream.seed(max16, new int[] {6}, nativeFrame(0x01, new byte[16])));
        seeds.put("data-over-the-limit", FuzzedStream.seed(max16, new int[] {6}, nativeFrame(0x01, new byte[17])));
        seeds.put("headers-then-payload-over-the-limit", FuzzedStream.seed(max16, new int[] {9},
                nativeFrame(0x02, WireBytes.concat(hex("01 01 03 61 62 63"), new byte[17]))));
        seeds.put("growing-buffer-over-64KiB", FuzzedStream.seed(6, new int[] {256, 17},
                nativeHeader(69_999, 0x01), new byte[3000]));
        seeds.put("huge-announced-then-silence", FuzzedStream.seed(7, new int[] {5}, nativeHeader(8 * 1024 * 1024, 0x01), utf8("abc")));
        seeds.put("length-with-bit-31", FuzzedStream.seed(max1000, new int[] {5}, hex("80 00 00 02 01 68 69")));
        seeds.put("unknown-type-00", FuzzedStream.seed(max1000, new int[] {5}, nativeHeader(0, 0x00)));
        seeds.put("auth-frame-after-handshake", FuzzedStream.seed(max1000, new int[] {37}, nativeFrame(0x20, new byte[32])));
        seeds.put("heartbeat-with-a-body", FuzzedStream.seed(max1000, new int[] {8}, nativeFrame(0x10, utf8("x"))));
        seeds.put("disconnect-reason-1025-bytes", FuzzedStream.seed(max1000, new int[] {200}, nativeHeader(1025, 0x11)));
        seeds.put("disconnect-bad-utf8", FuzzedStream.seed(max1000, new int[] {9}, nativeFrame(0x11, hex("ff c3 28 e2 82"))));
        seeds.put("header-block-duplicate-key", FuzzedStream.seed(max1000, new int[] {6},
                nativeFrame(0x02, hex("02 01 01 61 01 01 62 78"))));
        seeds.put("header-block-count-9", FuzzedStream.seed(max1000, new int[] {6}, nativeFrame(0x02, hex("09 01 00 01 00 01 00"))));
        seeds.put("header-block-past-its-frame", FuzzedStream.seed(max1000, new int[] {6}, nativeFrame(0x02, hex("01 01 05 61 62"))));
        seeds.put("header-bad-utf8", FuzzedStream.seed(max1000, new int[] {6}, nativeFrame(0x02, hex("01 02 02 c3 28 7b 7d"))));
        seeds.put("data-with-headers-too-short", FuzzedStream.seed(max1000, new int[] {6}, nativeFrame(0x02, hex("01 01"))));
        seeds.put("cut-mid-header", FuzzedStream.seed(max1000, new int[] {2}, data, hex("00 00 00")));
        seeds.put("cut-mid-body", FuzzedStream.seed(max1000, new int[] {4}, data, hex("00 00 00 0a 01 61 62")));
        return seeds;
    }
}
