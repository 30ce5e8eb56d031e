package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.counting;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.pythonMessage;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;

/**
 * CPython's authentication (docs/protocol.md 2.2) against any peer, in both roles. Both inputs
 * are {@link FuzzedStream}s. The challenges this side delivers are fixed
 * ({@code {sha256}} + bytes(range(40)), as in {@link PythonHandshakeTest}), so that seeds made
 * of CPython's real answers reach the end of the exchange; whether a completed handshake was
 * right to complete is then checked against HMACs computed here, independently.
 *
 * <p>{@code mvn verify} runs them over the seeds in {@code PythonHandshakeFuzzTestInputs};
 * docs/reliability.md ("Fuzzing") says how to fuzz one.
 */
@Timeout(10)
class PythonHandshakeFuzzTest {

    private static final byte[] AUTHKEY = PythonHandshakeTest.AUTHKEY;
    private static final byte[] OTHER_AUTHKEY = ascii("another");
    /** The message this side's challenge asks the peer to MAC: {@code {sha256}} + bytes(range(40)). */
    private static final byte[] DELIVERED = Arrays.copyOfRange(PythonHandshakeTest.OUR_CHALLENGE, "#CHALLENGE#".length(),
            PythonHandshakeTest.OUR_CHALLENGE.length);
    /** Three messages (answer, challenge, welcome) of at most 256 bytes, each with the longest length prefix. */
    private static final int MOST_INPUT = 3 * (12 + PythonHandshake.MAX_MESSAGE);
    private static final String[] DIGESTS = {"md5", "sha256", "sha384", "sha3_256", "sha3_384"};
    private static final HandshakeFuzzing.Sides SIDES = PythonHandshakeFuzzTest::handshake;

    /**
     * The stream is the peer's; options bit 0 picks this side's role (set: connector), bit 1
     * gives it the authkey (see {@link HandshakeFuzzing#consumeAndCheck}). With the authkey,
     * completing means the peer answered this side's challenge with a right HMAC.
     */
    @FuzzTest
    void refusesOrCompletesOnAnyPeerStreamInAnyChunks(byte[] input) {
        FuzzedStream stream = FuzzedStream.parse(input);

        HandshakeFuzzing.Outcome outcome = HandshakeFuzzing.consumeAndCheck(stream, AUTHKEY, SIDES, MOST_INPUT);

        if ((stream.options() & 2) != 0 && outcome.complete()) {
            List<byte[]> messages = messages(Arrays.copyOf(stream.stream(), (int) outcome.consumed()));
            assertThat(messages).as("answer, challenge and welcome").hasSize(3);
            byte[] answer = messages.get((stream.options() & 1) == 0 ? 0 : 2);
            assertThat(isRightAnswer(answer)).as("completed on a wrong answer %s", WireBytes.hex(answer)).isTrue();
        }
    }

    /**
     * Two handshakes, both roles, in a fuzzed interleaving with fuzzed changes on the path: see
     * {@link HandshakeFuzzing#pairAndCheck} for the options and the checks. Without an authkey a
     * side is complete at once (the wire has no preface); the side with one then waits for an
     * answer that never comes, as CPython does, until the transport's deadline.
     */
    @FuzzTest
    void twoEndsCompleteOnlyWithTheSameAuthkeyAndUnchangedBytes(byte[] input) {
        HandshakeFuzzing.pairAndCheck(FuzzedStream.parse(input), AUTHKEY, OTHER_AUTHKEY, SIDES, true, MOST_INPUT);
    }

    /** Side a (and the only side) delivers {@link #DELIVERED}; side b its own fixed challenge. */
    private static PythonHandshake handshake(Role role, byte @Nullable [] authkey, boolean sideA, LiveNonces live) {
        Consumer<byte[]> nonces = sideA ? PythonHandshakeTest.COUNTING : nonce -> Arrays.fill(nonce, (byte) 0xB0);
        return new PythonHandshake("fuzz", role, authkey, nonces, ConnectionBinding.inMemory(role), live);
    }

    /** @return the whole messages at the start of a Python wire stream */
    private static List<byte[]> messages(byte[] stream) {
        List<byte[]> messages = new ArrayList<>();
        PythonFrameDecoder reader = new PythonFrameDecoder("oracle", PythonHandshake.MAX_MESSAGE, false);
        ByteBuffer in = ByteBuffer.wrap(stream);
        for (byte[] message = reader.next(in); message != null; message = reader.next(in)) {
            messages.add(message);
        }
        return messages;
    }

    /** @return whether {@code answer} is one CPython would accept for {@link #DELIVERED} under {@link #AUTHKEY} */
    private static boolean isRightAnswer(byte[] answer) {
        if (MessageDigest.isEqual(answer, hmac("md5", DELIVERED))) {
            return true;
        }
        for (String digest : DIGESTS) {
            if (MessageDigest.isEqual(answer, concat(ascii("{" + digest + "}"), hmac(digest, DELIVERED)))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] hmac(String digest, byte[] message) {
        String algorithm = "Hmac" + digest.toUpperCase().replace("_", "-");
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(AUTHKEY, algorithm));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm, e);
        }
    }

    /**
     * @return seeds for {@link #refusesOrCompletesOnAnyPeerStreamInAnyChunks}, by file name: CPython
     *         3.11's real bytes (from {@link PythonHandshakeTest}), whole exchanges and refusals
     */
    static Map<String, byte[]> peerStreamSeeds() {
        int acceptor = 0;
        int connector = 1;
        int withKey = 2;
        byte[] welcome = pythonMessage(ascii("#WELCOME#"));
        byte[] failure = pythonMessage(ascii("#FAILURE#"));
        byte[] py311Answer = pythonMessage(PythonHandshakeTest.PY311_ANSWER_TO_OUR_CHALLENGE);
        byte[] py312Answer = pythonMessage(concat(ascii("{sha256}"), PythonHandshakeTest.SHA256_OVER_OUR_MESSAGE));
        byte[] py311Challenge = pythonMessage(PythonHandshakeTest.PY311_CHALLENGE);
        byte[] sha256Challenge = pythonMessage(concat(ascii("#CHALLENGE#{sha256}"), counting(40)));
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("acceptor-meets-cpython-3.11-client", FuzzedStream.seed(acceptor | withKey, new int[] {256},
                py311Answer, py311Challenge, welcome, pythonMessage(ascii("first message"))));
        seeds.put("acceptor-meets-cpython-3.12-client-byte-by-byte", FuzzedStream.seed(acceptor | withKey, new int[] {1},
                py312Answer, sha256Challenge, welcome));
        seeds.put("connector-meets-cpython-3.11-listener", FuzzedStream.seed(connector | withKey, new int[] {4, 31, 13},
                py311Challenge, welcome, py311Answer));
        seeds.put("connector-meets-cpython-3.12-listener", FuzzedStream.seed(connector | withKey, new int[] {7, 3},
                sha256Challenge, welcome, py312Answer, pythonMessage(ascii("data"))));
        seeds.put("acceptor-wrong-answer-then-the-rest", FuzzedStream.seed(acceptor | withKey, new int[] {20},
                pythonMessage(PythonHandshakeTest.MD5_OVER_20), py311Challenge, welcome));
        seeds.put("connector-wrong-answer-at-the-end", FuzzedStream.seed(connector | withKey, new int[] {256},
                py311Challenge, welcome, pythonMessage(PythonHandshakeTest.MD5_OVER_20)));
        seeds.put("connector-refused", FuzzedStream.seed(connector | withKey, new int[] {256}, py311Challenge, failure));
        seeds.put("connector-sha384-challenge", FuzzedStream.seed(connector | withKey, new int[] {256},
                pythonMessage(concat(ascii("#CHALLENGE#{sha384}"), counting(40)))));
        seeds.put("connector-unknown-digest", FuzzedStream.seed(connector | withKey, new int[] {256},
                pythonMessage(concat(ascii("#CHALLENGE#{sha1}"), counting(40)))));
        seeds.put("connector-short-challenge", FuzzedStream.seed(connector | withKey, new int[] {256},
                pythonMessage(concat(ascii("#CHALLENGE#"), counting(19)))));
        seeds.put("connector-data-where-challenge-belongs", FuzzedStream.seed(connector | withKey, new int[] {9},
                pythonMessage(ascii("hello"))));
        seeds.put("handshake-message-over-256", FuzzedStream.seed(acceptor | withKey, new int[] {4}, hex("00 00 01 01")));
        seeds.put("handshake-long-length-form", FuzzedStream.seed(acceptor | withKey, new int[] {12, 16},
                hex("ff ff ff ff 00 00 00 00 00 00 00 10"), PythonHandshakeTest.PY311_ANSWER_TO_OUR_CHALLENGE));
        seeds.put("no-authkey-takes-nothing", FuzzedStream.seed(acceptor, new int[] {256}, py311Challenge));
        seeds.put("connector-closes-before-welcome", FuzzedStream.seed(connector | withKey, new int[] {256}, py311Challenge));
        return seeds;
    }

    /** @return seeds for {@link #twoEndsCompleteOnlyWithTheSameAuthkeyAndUnchangedBytes}, by file name */
    static Map<String, byte[]> pairSeeds() {
        byte[] noChange = {0};
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("no-authkeys", FuzzedStream.seed(0, new int[] {256}, noChange));
        seeds.put("same-authkey-byte-by-byte", FuzzedStream.seed(1, new int[] {1}, noChange, hex("5a c3")));
        seeds.put("same-authkey-odd-chunks-a-connects", FuzzedStream.seed(1 | 4, new int[] {4, 59, 2, 13}, noChange));
        seeds.put("authkey-on-one-side", FuzzedStream.seed(2, new int[] {64}, noChange));
        seeds.put("different-authkeys", FuzzedStream.seed(3, new int[] {64}, noChange));
        // The acceptor's challenge: length 0-3, "#CHALLENGE#" 4-14, "{sha256}" 15-22, nonce 23-62.
        seeds.put("same-authkey-nonce-changed-to-b", FuzzedStream.seed(1, new int[] {256}, hex("01 1e 01")));
        seeds.put("same-authkey-digest-renamed-to-b", FuzzedStream.seed(1, new int[] {256}, hex("01 14 01")));
        seeds.put("same-authkey-length-changed-to-b", FuzzedStream.seed(1, new int[] {256}, hex("01 03 01")));
        seeds.put("same-authkey-welcome-changed-to-b", FuzzedStream.seed(1, new int[] {16}, hex("01 48 02")));
        return seeds;
    }
}
