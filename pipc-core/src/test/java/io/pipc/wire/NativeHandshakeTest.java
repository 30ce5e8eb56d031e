package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.drain;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.nativeFrame;
import static io.pipc.wire.WireBytes.nativeHeader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class NativeHandshakeTest {

    private static final byte[] SECRET = ascii("s3cret");
    private static final byte[] PREFACE_PLAIN = hex("50495043 02 00 0000");
    private static final byte[] PREFACE_AUTH = hex("50495043 02 01 0000");
    /** No context (0x0000), then the acceptor's preface and the connector's: both with a secret. */
    private static final byte[] TRANSCRIPT_START = concat(hex("0000"), PREFACE_AUTH, PREFACE_AUTH);

    @Test
    void withoutSecretsEachSideSendsItsPrefaceAndCompletesOnThePeers() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, null);

        assertThat(drain(acceptor)).isEqualTo(PREFACE_PLAIN);
        assertThat(acceptor.isComplete()).isFalse();
        ByteBuffer in = ByteBuffer.wrap(concat(PREFACE_PLAIN, nativeFrame(0x01, ascii("hi"))));
        acceptor.consume(in);

        assertThat(acceptor.isComplete()).isTrue();
        assertThat(acceptor.peerRequiresAuthentication()).isFalse();
        assertThat(in.position()).as("the DATA frame is left for the decoder").isEqualTo(8);
        assertThat(acceptor.hasOutput()).isFalse();
    }

    @Test
    void withSecretsBothSidesCompleteInEveryInterleaving() {
        for (int chunk : new int[] {1, 2, 3, 5, 7, 8, 13, 37, 64, 4096}) {
            for (boolean acceptorFirst : new boolean[] {true, false}) {
                assertBothComplete(HandshakePump.alternating(chunk, acceptorFirst), "chunk " + chunk + ", acceptorFirst " + acceptorFirst);
            }
        }
        for (long seed = 0; seed < 200; seed++) {
            assertBothComplete(HandshakePump.random(seed, 1 + (int) (seed % 40)), "seed " + seed);
        }
    }

    @Test
    void bytesAfterTheFinalAuthResultAreLeftForTheDecoder() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        NativeHandshake connector = new NativeHandshake("orders", Role.CONNECTOR, SECRET);
        connector.consume(ByteBuffer.wrap(drain(acceptor)));
        acceptor.consume(ByteBuffer.wrap(drain(connector)));
        byte[] acceptorRest = drain(acceptor);
        connector.consume(ByteBuffer.wrap(acceptorRest));
        assertThat(connector.isComplete()).isTrue();
        byte[] data = nativeFrame(0x01, ascii("first message"));

        ByteBuffer in = ByteBuffer.wrap(concat(drain(connector), data));
        acceptor.consume(in);

        assertThat(acceptor.isComplete()).isTrue();
        assertThat(Arrays.copyOfRange(in.array(), in.position(), in.limit())).isEqualTo(data);
    }

    @Test
    void wrongSecretFailsBothSidesAndEachRefusesThePeer() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        NativeHandshake connector = new NativeHandshake("orders", Role.CONNECTOR, ascii("other"));

        HandshakePump.Outcome outcome = HandshakePump.run(acceptor, connector, HandshakePump.alternating(1, true));

        assertThat(outcome.aFailure()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("pipe 'orders'")
                .hasMessageContaining("did not prove knowledge of the secret")
                .hasMessageContaining("configure the same secret on both ends");
        assertThat(outcome.bFailure()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("did not prove knowledge of the secret");
        assertThat(acceptor.isComplete()).isFalse();
        assertThat(connector.isComplete()).isFalse();
    }

    @Test
    void refusalOfOurProofSaysTheSecretsDiffer() {
        NativeHandshake connector = new NativeHandshake("orders", Role.CONNECTOR, SECRET);
        byte[] connectorNonce = Arrays.copyOfRange(drain(connector), 8 + 5, 8 + 5 + 32);
        byte[] acceptorNonce = new byte[32];
        Arrays.fill(acceptorNonce, (byte) 7);
        byte[] acceptorResponse = hmac(ascii("pipc-v2-acceptor"), TRANSCRIPT_START, acceptorNonce, connectorNonce);

        connector.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, acceptorNonce),
                nativeFrame(0x21, acceptorResponse))));
        assertThat(drain(connector)).as("response, then our acceptance of the peer").isEqualTo(concat(
                nativeFrame(0x21, hmac(ascii("pipc-v2-connector"), TRANSCRIPT_START, acceptorNonce, connectorNonce)),
                hex("00000001 22 00")));

        assertThatThrownBy(() -> connector.consume(ByteBuffer.wrap(nativeFrame(0x22, new byte[] {1}))))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("peer refused our secret: the secrets differ");
    }

    @Test
    void responseFollowsTheSpecifiedFormulaAndAWrongOneIsAnsweredWithARefusal() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        byte[] acceptorNonce = Arrays.copyOfRange(drain(acceptor), 8 + 5, 8 + 5 + 32);
        byte[] connectorNonce = new byte[32];
        Arrays.fill(connectorNonce, (byte) 9);

        acceptor.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, connectorNonce))));

        assertThat(drain(acceptor)).isEqualTo(nativeFrame(0x21,
                hmac(ascii("pipc-v2-acceptor"), TRANSCRIPT_START, acceptorNonce, connectorNonce)));
        byte[] forged = hmac(ascii("pipc-v2-acceptor"), TRANSCRIPT_START, acceptorNonce, connectorNonce);
        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(nativeFrame(0x21, forged))))
                .isInstanceOf(AuthenticationException.class);
        assertThat(drain(acceptor)).isEqualTo(hex("00000001 22 01"));
    }

    @Test
    void connectorWithoutSecretIsToldToSetOneAndTheAcceptorThatThePeerHasNone() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        NativeHandshake connector = new NativeHandshake("orders", Role.CONNECTOR, null);

        HandshakePump.Outcome outcome = HandshakePump.run(acceptor, connector, HandshakePump.alternating(64, true));

        assertThat(outcome.aFailure()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("peer has no secret").hasMessageContaining("configure the same secret on both ends");
        assertThat(outcome.bFailure()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("peer requires a shared secret").hasMessageContaining("set PipeOptions.secret");
        assertThat(connector.peerRequiresAuthentication()).isTrue();
    }

    @Test
    void acceptorWithoutSecretRefusesAConnectorThatRequiresOne() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, null);
        NativeHandshake connector = new NativeHandshake("orders", Role.CONNECTOR, SECRET);

        HandshakePump.Outcome outcome = HandshakePump.run(acceptor, connector, HandshakePump.alternating(3, false));

        assertThat(outcome.aFailure()).isInstanceOf(AuthenticationException.class).hasMessageContaining("peer requires a shared secret");
        assertThat(outcome.bFailure()).isInstanceOf(AuthenticationException.class).hasMessageContaining("peer has no secret");
    }

    @Test
    void challengeReflectedBackIsRefused() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        byte[] ownChallenge = Arrays.copyOfRange(drain(acceptor), 8, 8 + 37);

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, ownChallenge))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("own challenge");
        assertThat(acceptor.hasOutput()).as("no response was produced for a reflected challenge").isFalse();
    }

    @Test
    void responseReflectedBackIsRefused() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        drain(acceptor);
        byte[] attackerNonce = new byte[32];
        Arrays.fill(attackerNonce, (byte) 1);
        acceptor.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, attackerNonce))));
        byte[] acceptorsOwnResponse = drain(acceptor);

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(acceptorsOwnResponse)))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("did not prove");
    }

    @Test
    void responseReplayedFromAnEarlierSessionIsRefused() {
        NativeHandshake firstAcceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        NativeHandshake firstConnector = new NativeHandshake("orders", Role.CONNECTOR, SECRET);
        byte[] recordedConnectorOutput = recordConnectorSide(firstAcceptor, firstConnector);
        assertThat(firstAcceptor.isComplete()).isTrue();

        NativeHandshake laterAcceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        drain(laterAcceptor);

        assertThatThrownBy(() -> laterAcceptor.consume(ByteBuffer.wrap(recordedConnectorOutput)))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("did not prove");
        assertThat(laterAcceptor.isComplete()).isFalse();
    }

    @Test
    void frameOver4KiBBeforeAuthenticationIsRefusedFromItsHeader() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeHeader(4097, 0x20)))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("4097 bytes before authentication")
                .hasMessageContaining("at most 4096");
        NativeHandshake other = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        assertThatThrownBy(() -> other.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeHeader(0x7FFFFFF0, 0x01)))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("at most 4096");
    }

    @Test
    void dataBeforeAuthenticationCompletesIsRefused() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x01, ascii("sneaky"))))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("DATA frame before authentication completed");
    }

    @Test
    void authenticationFramesOutOfOrderAreRefused() {
        byte[] nonce = new byte[32];
        Arrays.fill(nonce, (byte) 3);
        assertThatThrownBy(() -> new NativeHandshake("orders", Role.ACCEPTOR, SECRET)
                .consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x21, nonce)))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("AUTH_RESPONSE before its AUTH_CHALLENGE");
        assertThatThrownBy(() -> new NativeHandshake("orders", Role.ACCEPTOR, SECRET)
                .consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, nonce), nativeFrame(0x20, nonce)))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("second AUTH_CHALLENGE");
        assertThatThrownBy(() -> new NativeHandshake("orders", Role.ACCEPTOR, SECRET)
                .consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, nonce), nativeFrame(0x22, new byte[1])))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("AUTH_RESULT before its AUTH_RESPONSE");
        assertThatThrownBy(() -> new NativeHandshake("orders", Role.ACCEPTOR, SECRET)
                .consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, new byte[31])))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("it must have 32");
    }

    @Test
    void failureIsThrownAgainOnEveryLaterCall() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, null);
        ProtocolException first = org.junit.jupiter.api.Assertions.assertThrows(ProtocolException.class,
                () -> acceptor.consume(ByteBuffer.wrap(ascii("GET / HTTP/1.1\r\n"))));

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(PREFACE_PLAIN))).isSameAs(first);
        assertThatThrownBy(acceptor::endOfStream).isSameAs(first);
    }

    @Test
    void peerClosingBeforeItsPrefaceIsReported() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, null);

        assertThatThrownBy(acceptor::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e).hasMessageContaining("pipe 'orders'").hasMessageContaining("before its whole preface arrived");
            assertThat(e.endedMidFrame()).isFalse();
        });
    }

    @Test
    void peerClosingMidPrefaceSaysHowMuchArrived() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, null);
        acceptor.consume(ByteBuffer.wrap(ascii("PIP")));

        assertThatThrownBy(acceptor::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e).hasMessageContaining("3 of 8 bytes arrived");
            assertThat(e.partialBytesReceived()).isEqualTo(3);
            assertThat(e.partialBytesExpected()).isEqualTo(8);
        });
    }

    @Test
    void peerClosingDuringAuthenticationSaysWhereItStopped() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        byte[] nonce = new byte[32];
        acceptor.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, Arrays.copyOf(nativeFrame(0x20, nonce), 20))));

        assertThatThrownBy(acceptor::endOfStream).isInstanceOfSatisfying(PeerClosedException.class, e -> {
            assertThat(e).hasMessageContaining("during authentication, before it sent its challenge")
                    .hasMessageContaining("20 of 37 bytes arrived");
            assertThat(e.partialBytesExpected()).isEqualTo(37);
        });

        NativeHandshake other = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        other.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, nonce))));
        assertThatThrownBy(other::endOfStream).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("before it proved knowledge of the secret");
    }

    @Test
    void endOfStreamAfterCompletionIsForTheDecoderToJudge() {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, null);
        acceptor.consume(ByteBuffer.wrap(PREFACE_PLAIN));

        acceptor.endOfStream();

        assertThat(acceptor.isComplete()).isTrue();
    }

    @Test
    void aChallengeThisProcessSentOnAnotherConnectionIsRefusedBeforeAnyProofLeaves() {
        LiveNonces live = new LiveNonces();
        NativeHandshake accepted = new NativeHandshake("victim", Role.ACCEPTOR, SECRET,
                ConnectionBinding.of(new ConnectionEnds("10.0.0.1 port 7001", "10.0.0.9 port 50000")), live);
        NativeHandshake made = new NativeHandshake("victim", Role.CONNECTOR, SECRET,
                ConnectionBinding.of(new ConnectionEnds("10.0.0.1 port 41000", "10.0.0.9 port 7001")), live);
        byte[] nonceOnAccepted = nonceIn(drain(accepted));
        drain(made);

        assertThatThrownBy(() -> made.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, nonceOnAccepted)))))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("is one this process sent in another handshake still running")
                .hasMessageContaining("10.0.0.1 port 7001 <-> 10.0.0.9 port 50000")
                .hasMessageContaining("relaying one connection into another");
        assertThat(made.hasOutput()).as("no proof was produced").isFalse();
    }

    @Test
    void theOtherEndOfThisVeryConnectionInTheSameProcessIsAnswered() {
        LiveNonces live = new LiveNonces();
        NativeHandshake server = new NativeHandshake("server", Role.ACCEPTOR, SECRET,
                ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 7001", "127.0.0.1 port 41000")), live);
        NativeHandshake client = new NativeHandshake("client", Role.CONNECTOR, SECRET,
                ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 41000", "127.0.0.1 port 7001")), live);

        HandshakePump.Outcome outcome = HandshakePump.run(server, client, HandshakePump.alternating(5, true));

        assertThat(outcome.aFailure()).isNull();
        assertThat(outcome.bFailure()).isNull();
        assertThat(server.isComplete()).isTrue();
        assertThat(client.isComplete()).isTrue();
        assertThat(live.size()).as("both challenges stopped being live").isZero();
    }

    @Test
    void aProofMadeOnOneRendezvousConnectionFailsOnAnotherBecauseTheHellosAreBoundIntoIt() {
        // Each connection keeps its own registry here, as if the process-wide check did not exist:
        // the transcript alone must refuse the relayed proof.
        byte[] victim = hello(0x11);
        byte[] attacker = hello(0x77);
        NativeHandshake accepted = new NativeHandshake("victim", Role.ACCEPTOR, SECRET,
                ConnectionBinding.of(() -> new ConnectionEnds("a", "b"), concat(victim, attacker)), new LiveNonces());
        NativeHandshake made = new NativeHandshake("victim", Role.CONNECTOR, SECRET,
                ConnectionBinding.of(() -> new ConnectionEnds("c", "d"), concat(attacker, victim)), new LiveNonces());

        byte[] relayedProof = relay(accepted, made);

        assertThatThrownBy(() -> accepted.consume(ByteBuffer.wrap(nativeFrame(0x21, relayedProof))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("did not prove knowledge of the secret");
    }

    @Test
    void withoutHellosARelayedProofWouldPassSoTheProcessWideCheckIsWhatStopsIt() {
        // The control for the test above: a server that is also a client exchanges nothing before
        // the handshake, so the transcripts of the relay agree and only LiveNonces can refuse it.
        NativeHandshake accepted = new NativeHandshake("victim", Role.ACCEPTOR, SECRET,
                ConnectionBinding.of(new ConnectionEnds("a", "b")), new LiveNonces());
        NativeHandshake made = new NativeHandshake("victim", Role.CONNECTOR, SECRET,
                ConnectionBinding.of(new ConnectionEnds("c", "d")), new LiveNonces());

        byte[] relayedProof = relay(accepted, made);
        accepted.consume(ByteBuffer.wrap(nativeFrame(0x21, relayedProof)));

        assertThat(drain(accepted)).as("accepted: the relay works where nothing else binds the proof")
                .isEqualTo(hex("00000001 22 00"));
    }

    @Test
    void aHandshakeLetsGoOfItsChallengeWhenItCompletesFailsOrIsAbandoned() {
        LiveNonces live = new LiveNonces();
        NativeHandshake completing = new NativeHandshake("a", Role.ACCEPTOR, SECRET, ConnectionBinding.of(new ConnectionEnds("x", "y")), live);
        NativeHandshake peer = new NativeHandshake("b", Role.CONNECTOR, SECRET, ConnectionBinding.of(new ConnectionEnds("y", "x")), live);
        NativeHandshake failing = new NativeHandshake("c", Role.ACCEPTOR, SECRET, ConnectionBinding.of(new ConnectionEnds("p", "q")), live);
        NativeHandshake abandoned = new NativeHandshake("d", Role.ACCEPTOR, SECRET, ConnectionBinding.of(new ConnectionEnds("r", "s")), live);
        assertThat(live.size()).isEqualTo(4);

        HandshakePump.run(completing, peer, HandshakePump.alternating(64, true));
        assertThat(live.size()).isEqualTo(2);
        assertThatThrownBy(() -> failing.consume(ByteBuffer.wrap(ascii("GET / HTTP/1.1\r\n"))))
                .isInstanceOf(ProtocolException.class);
        assertThat(live.size()).isEqualTo(1);
        abandoned.abandon();
        abandoned.abandon();
        assertThat(live.size()).isZero();
    }

    /**
     * The attacker's relay against two handshakes of the victim: it answers the connection the
     * victim accepted with the challenge that connection sent, played into the connection the
     * victim made, and returns the proof the victim gave there.
     */
    private static byte[] relay(NativeHandshake accepted, NativeHandshake made) {
        byte[] nonceOnAccepted = nonceIn(drain(accepted));
        byte[] nonceOnMade = nonceIn(drain(made));
        made.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, nonceOnAccepted))));
        byte[] response = drain(made);
        assertThat(response[4]).as("an AUTH_RESPONSE").isEqualTo((byte) 0x21);
        accepted.consume(ByteBuffer.wrap(concat(PREFACE_AUTH, nativeFrame(0x20, nonceOnMade))));
        drain(accepted);
        return Arrays.copyOfRange(response, 5, 5 + 32);
    }


    private static byte[] hello(int id) {
        return concat(hex("50495052 01 000000"), ByteBuffer.allocate(8).putLong(id).array());
    }

    /** @return the nonce of the AUTH_CHALLENGE behind an 8-byte preface */
    private static byte[] nonceIn(byte[] prefaceAndChallenge) {
        return Arrays.copyOfRange(prefaceAndChallenge, 8 + 5, 8 + 5 + 32);
    }

    private static void assertBothComplete(HandshakePump.Schedule schedule, String description) {
        NativeHandshake acceptor = new NativeHandshake("orders", Role.ACCEPTOR, SECRET);
        NativeHandshake connector = new NativeHandshake("orders", Role.CONNECTOR, SECRET);

        HandshakePump.Outcome outcome = HandshakePump.run(acceptor, connector, schedule);

        assertThat(outcome.aFailure()).as(description).isNull();
        assertThat(outcome.bFailure()).as(description).isNull();
        assertThat(acceptor.isComplete()).as(description).isTrue();
        assertThat(connector.isComplete()).as(description).isTrue();
        assertThat(acceptor.peerRequiresAuthentication()).isTrue();
        assertThat(outcome.aLeftover()).as(description).isEmpty();
        assertThat(outcome.bLeftover()).as(description).isEmpty();
    }

    /** Runs a successful handshake and returns everything the connector sent, as an eavesdropper records it. */
    private static byte[] recordConnectorSide(NativeHandshake acceptor, NativeHandshake connector) {
        byte[] recorded = new byte[0];
        for (int i = 0; i < 4; i++) {
            connector.consume(ByteBuffer.wrap(drain(acceptor)));
            byte[] sent = drain(connector);
            recorded = concat(recorded, sent);
            acceptor.consume(ByteBuffer.wrap(sent));
        }
        return recorded;
    }

    private static byte[] hmac(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
