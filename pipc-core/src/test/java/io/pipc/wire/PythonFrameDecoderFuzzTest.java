package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.pythonMessage;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.pipc.AuthenticationException;
import io.pipc.MessageTooLargeException;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.ProtocolException;
import io.pipc.Wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.Timeout;

/**
 * The Python wire's decoder (docs/protocol.md 2.1) against any stream, cut into any chunks. The
 * input is a {@link FuzzedStream}; its options byte picks {@code maxMessageSize} from
 * {@link NativeFrameDecoderFuzzTest#MAX_SIZES} (low 3 bits), and bit 3 gives this end a secret
 * (without one, a first message that is CPython's challenge is refused). Besides
 * {@link DecoderFuzzing}'s checks: the chunked delivery decodes exactly what the whole stream
 * decodes, and no message exceeds the limit.
 *
 * <p>{@code mvn verify} runs it over the seeds in {@code PythonFrameDecoderFuzzTestInputs};
 * docs/reliability.md ("Fuzzing") says how to fuzz it.
 */
@Timeout(10)
class PythonFrameDecoderFuzzTest {

    @FuzzTest
    void decodesAnyStreamInAnyChunksAsItDecodesItWhole(byte[] input) {
        FuzzedStream stream = FuzzedStream.parse(input);
        int max = NativeFrameDecoderFuzzTest.MAX_SIZES[stream.options() & 7];
        boolean secret = (stream.options() & 8) != 0;
        PythonFrameDecoder chunked = decoder(max, secret);
        DecoderFuzzing.Outcome outcome = DecoderFuzzing.decode(chunked, stream, contract(chunked, max, secret));
        PythonFrameDecoder whole = decoder(max, secret);
        DecoderFuzzing.Outcome reference = DecoderFuzzing.decodeWhole(whole, stream, contract(whole, max, secret));

        assertThat(outcome).as("chunks %s", stream.chunks()).isEqualTo(reference);
        for (Frame frame : outcome.frames()) {
            assertThat(frame).isInstanceOfSatisfying(Frame.Data.class, data -> {
                assertThat(data.message().payload().length).isLessThanOrEqualTo(max);
                assertThat(data.message().hasHeaders()).isFalse();
            });
        }
    }

    private static PythonFrameDecoder decoder(int maxMessageSize, boolean secret) {
        PipeOptions options = PipeOptions.builder().wire(Wire.PYTHON).maxMessageSize(maxMessageSize)
                .secret(secret ? PythonHandshakeTest.AUTHKEY : null).build();
        return (PythonFrameDecoder) WireFormat.of(options, "fuzz").newDecoder();
    }

    private static DecoderFuzzing.Contract contract(PythonFrameDecoder decoder, int maxMessageSize, boolean secret) {
        Set<Class<? extends PipeException>> declared = new HashSet<>(Set.of(ProtocolException.class, MessageTooLargeException.class));
        if (!secret) {
            // Without a secret, a first message that is CPython's challenge means the peer wants an authkey.
            declared.add(AuthenticationException.class);
        }
        return new DecoderFuzzing.Contract(declared, decoder::partialCapacity, maxMessageSize);
    }

    /**
     * @return the committed seeds, by file name: the messages and refusals of docs/protocol.md
     *         2.1, and CPython's challenges
     */
    static Map<String, byte[]> seeds() {
        int max1000 = 5;
        int max16 = 3;
        int withSecret = 8;
        byte[] hi = hex("00 00 00 02 68 69");
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("hi-and-empty", FuzzedStream.seed(max1000, new int[] {256}, hi, pythonMessage(new byte[0]), hi));
        seeds.put("hi-byte-by-byte", FuzzedStream.seed(max1000, new int[] {1}, hi, hi));
        seeds.put("long-length-form", FuzzedStream.seed(max1000, new int[] {3, 5}, hex("ff ff ff ff 00 00 00 00 00 00 00 02 68 69"), hi));
        seeds.put("long-length-over-the-limit", FuzzedStream.seed(max1000, new int[] {12}, hex("ff ff ff ff 00 00 00 00 80 00 00 00")));
        seeds.put("long-length-top-bit", FuzzedStream.seed(max1000, new int[] {12}, hex("ff ff ff ff 80 00 00 00 00 00 00 00")));
        seeds.put("negative-length", FuzzedStream.seed(max1000, new int[] {4}, hex("ff ff ff fe")));
        seeds.put("at-the-limit", FuzzedStream.seed(max16, new int[] {7}, pythonMessage(new byte[16])));
        seeds.put("over-the-limit", FuzzedStream.seed(max16, new int[] {7}, pythonMessage(new byte[17])));
        seeds.put("huge-announced-then-silence", FuzzedStream.seed(7, new int[] {4}, hex("00 80 00 00 61 62 63")));
        seeds.put("cpython-3.11-challenge-without-secret", FuzzedStream.seed(max1000, new int[] {35},
                pythonMessage(PythonHandshakeTest.PY311_CHALLENGE)));
        seeds.put("cpython-3.12-challenge-without-secret", FuzzedStream.seed(max1000, new int[] {2, 61},
                pythonMessage(PythonHandshakeTest.OUR_CHALLENGE)));
        seeds.put("challenge-as-data-with-secret", FuzzedStream.seed(max1000 | withSecret, new int[] {63},
                pythonMessage(PythonHandshakeTest.OUR_CHALLENGE), hi));
        seeds.put("challenge-second-is-data", FuzzedStream.seed(max1000, new int[] {6, 63}, hi,
                pythonMessage(PythonHandshakeTest.OUR_CHALLENGE)));
        seeds.put("cut-mid-prefix", FuzzedStream.seed(max1000, new int[] {2}, hi, hex("00 00")));
        seeds.put("cut-mid-long-prefix", FuzzedStream.seed(max1000, new int[] {2}, hex("ff ff ff ff 00 00")));
        seeds.put("cut-mid-message", FuzzedStream.seed(max1000, new int[] {5}, hex("00 00 00 09"), ascii("#WELC")));
        return seeds;
    }
}
