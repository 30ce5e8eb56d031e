package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.counting;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.nativeFrame;
import static io.pipc.wire.WireBytes.nativeHeader;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;

/**
 * The preface and the native handshake (docs/protocol.md 1.1 and 1.6) against any peer. Both
 * inputs are {@link FuzzedStream}s.
 *
 * <p>{@code mvn verify} runs them over the seeds in {@code NativeHandshakeFuzzTestInputs};
 * docs/reliability.md ("Fuzzing") says how to fuzz one.
 */
@Timeout(10)
class NativeHandshakeFuzzTest {

    private static final byte[] SECRET = ascii("fuzzed secret");
    private static final byte[] OTHER_SECRET = ascii("another secret");
    /** Preface, challenge, response and result: all a handshake may take of the peer's stream. */
    private static final int MOST_INPUT = 8 + 37 + 37 + 6;
    private static final HandshakeFuzzing.Sides SIDES = (role, secret, sideA, live) -> handshake(role, secret, live);

    /**
     * The stream is the peer's; options bit 0 picks this side's role (set: connector), bit 1
     * gives it a secret (see {@link HandshakeFuzzing#consumeAndCheck}). A peer that cannot know
     * this side's fresh nonce can never complete a handshake that has a secret.
     */
    @FuzzTest
    void refusesOrCompletesOnAnyPeerStreamInAnyChunks(byte[] input) {
        FuzzedStream stream = FuzzedStream.parse(input);

        HandshakeFuzzing.Outcome outcome = HandshakeFuzzing.consumeAndCheck(stream, SECRET, SIDES, MOST_INPUT);

        assertThat(outcome.output().length).isLessThanOrEqualTo(MOST_INPUT);
        if ((stream.options() & 2) != 0) {
            assertThat(outcome.complete()).as("completed with a secret the peer never proved").isFalse();
        }
    }

    /**
     * Two handshakes, both roles, in a fuzzed interleaving with fuzzed changes on the path: see
     * {@link HandshakeFuzzing#pairAndCheck} for the options and the checks.
     */
    @FuzzTest
    void twoEndsCompleteOnlyWithTheSameSecretAndUnchangedBytes(byte[] input) {
        HandshakeFuzzing.pairAndCheck(FuzzedStream.parse(input), SECRET, OTHER_SECRET, SIDES, false, MOST_INPUT);
    }

    private static NativeHandshake handshake(Role role, byte @Nullable [] secret, LiveNonces live) {
        return new NativeHandshake("fuzz", role, secret, ConnectionBinding.inMemory(role), live);
    }

    /** @return seeds for {@link #refusesOrCompletesOnAnyPeerStreamInAnyChunks}, by file name */
    static Map<String, byte[]> peerStreamSeeds() {
        int acceptor = 0;
        int connector = 1;
        int withSecret = 2;
        byte[] plain = hex("50 49 50 43 02 00 00 00");
        byte[] auth = hex("50 49 50 43 02 01 00 00");
        byte[] challenge = nativeFrame(0x20, counting(32));
        byte[] response = nativeFrame(0x21, counting(32));
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("plain-preface", FuzzedStream.seed(acceptor, new int[] {8}, plain));
        seeds.put("plain-preface-byte-by-byte-then-data", FuzzedStream.seed(connector, new int[] {1}, plain,
                nativeFrame(0x01, ascii("hi"))));
        seeds.put("auth-preface-to-a-side-without-secret", FuzzedStream.seed(acceptor, new int[] {8}, auth));
        seeds.put("plain-preface-to-a-side-with-secret", FuzzedStream.seed(acceptor | withSecret, new int[] {8}, plain));
        seeds.put("version-1", FuzzedStream.seed(acceptor, new int[] {8}, hex("50 49 50 43 01 00 00 00")));
        seeds.put("version-3", FuzzedStream.seed(acceptor, new int[] {8}, hex("50 49 50 43 03 00 00 00")));
        seeds.put("unknown-flag", FuzzedStream.seed(acceptor, new int[] {8}, hex("50 49 50 43 02 02 00 00")));
        seeds.put("reserved-not-zero", FuzzedStream.seed(acceptor, new int[] {8}, hex("50 49 50 43 02 00 00 01")));
        seeds.put("http-request", FuzzedStream.seed(acceptor, new int[] {3, 256}, ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
        seeds.put("tls-client-hello", FuzzedStream.seed(acceptor, new int[] {5}, hex("16 03 01 00 a5 01 00 00 a1 03 03")));
        seeds.put("ssh-banner", FuzzedStream.seed(connector, new int[] {4}, ascii("SSH-2.0-OpenSSH_9.6\r\n")));
        seeds.put("python-challenge", FuzzedStream.seed(connector, new int[] {4, 55},
                hex("00 00 00 3b"), ascii("#CHALLENGE#{sha256}"), counting(40)));
        seeds.put("auth-wrong-response", FuzzedStream.seed(acceptor | withSecret, new int[] {13, 32, 5},
                auth, challenge, response));
        seeds.put("auth-wrong-response-as-connector", FuzzedStream.seed(connector | withSecret, new int[] {1},
                auth, challenge, response));
        seeds.put("auth-response-before-challenge", FuzzedStream.seed(acceptor | withSecret, new int[] {45}, auth, response));
        seeds.put("auth-result-before-response", FuzzedStream.seed(acceptor | withSecret, new int[] {50},
                auth, challenge, nativeFrame(0x22, new byte[] {0})));
        seeds.put("auth-second-challenge", FuzzedStream.seed(acceptor | withSecret, new int[] {82},
                auth, challenge, nativeFrame(0x20, counting(32))));
        seeds.put("auth-data-before-completion", FuzzedStream.seed(connector | withSecret, new int[] {20},
                auth, nativeFrame(0x01, ascii("early"))));
        seeds.put("auth-frame-over-4KiB", FuzzedStream.seed(acceptor | withSecret, new int[] {13}, auth, nativeHeader(4097, 0x20)));
        seeds.put("auth-challenge-of-31-bytes", FuzzedStream.seed(acceptor | withSecret, new int[] {44}, auth,
                nativeFrame(0x20, counting(31))));
        seeds.put("auth-peer-closes-mid-challenge", FuzzedStream.seed(connector | withSecret, new int[] {16}, auth,
                concat(nativeHeader(32, 0x20), counting(10))));
        seeds.put("recorded-connector-transcript", FuzzedStream.seed(acceptor | withSecret, new int[] {45, 37, 6},
                recordedConnectorStream()));
        return seeds;
    }

    /** @return seeds for {@link #twoEndsCompleteOnlyWithTheSameSecretAndUnchangedBytes}, by file name */
    static Map<String, byte[]> pairSeeds() {
        byte[] noChange = {0};
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("no-secrets-whole", FuzzedStream.seed(0, new int[] {256}, noChange));
        seeds.put("same-secret-byte-by-byte", FuzzedStream.seed(1, new int[] {1}, noChange, hex("a5 0f 33")));
        seeds.put("same-secret-odd-chunks-a-connects", FuzzedStream.seed(1 | 4, new int[] {3, 13, 5, 37}, noChange, hex("ff 00")));
        seeds.put("secret-on-one-side", FuzzedStream.seed(2, new int[] {8}, noChange));
        seeds.put("different-secrets", FuzzedStream.seed(3, new int[] {45, 37}, noChange));
        // Offsets in a side's stream: preface 0-7, challenge 8-44 (nonce from 13), response 45-81 (MAC from 50), result 82-87.
        seeds.put("same-secret-result-flipped-to-b", FuzzedStream.seed(1, new int[] {256}, hex("01 57 01")));
        seeds.put("same-secret-nonce-changed-to-a", FuzzedStream.seed(1, new int[] {256}, hex("01 94 80")));
        seeds.put("same-secret-mac-changed-to-b", FuzzedStream.seed(1, new int[] {7}, hex("01 40 01")));
        seeds.put("same-secret-auth-flag-cleared-both-ways", FuzzedStream.seed(1, new int[] {8}, hex("02 05 01 85 01")));
        seeds.put("no-secrets-version-changed", FuzzedStream.seed(0, new int[] {2}, hex("01 04 03")));
        return seeds;
    }

    /** @return everything an honest connector sends to an acceptor with the same secret */
    private static byte[] recordedConnectorStream() {
        NativeHandshake acceptor = handshake(Role.ACCEPTOR, SECRET, new LiveNonces());
        NativeHandshake connector = handshake(Role.CONNECTOR, SECRET, new LiveNonces());
        byte[] recorded = new byte[0];
        for (int i = 0; i < 3; i++) {
            connector.consume(ByteBuffer.wrap(WireBytes.drain(acceptor)));
            byte[] sent = WireBytes.drain(connector);
            recorded = concat(recorded, sent);
            acceptor.consume(ByteBuffer.wrap(sent));
        }
        return recorded;
    }
}
