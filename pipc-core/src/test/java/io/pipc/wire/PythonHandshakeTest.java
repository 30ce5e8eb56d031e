package io.pipc.wire;

import static io.pipc.wire.WireBytes.ascii;
import static io.pipc.wire.WireBytes.concat;
import static io.pipc.wire.WireBytes.counting;
import static io.pipc.wire.WireBytes.drain;
import static io.pipc.wire.WireBytes.hex;
import static io.pipc.wire.WireBytes.pythonMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CPython's {@code multiprocessing.connection} authentication. The vectors below were made with
 * the machine's python3 (3.11.7); each constant names the one-liner that printed it.
 */
@Timeout(10)
class PythonHandshakeTest {

    /** The authkey of every vector below; the fuzz tests use it too, so that CPython's bytes complete a handshake. */
    static final byte[] AUTHKEY = ascii("secret");

    /** Fills a nonce with 0, 1, 2, ... as {@code bytes(range(n))} does. */
    static final Consumer<byte[]> COUNTING = nonce -> System.arraycopy(counting(nonce.length), 0, nonce, 0, nonce.length);

    /** The challenge a pipc acceptor delivers with {@link #COUNTING} nonces: {@code #CHALLENGE#{sha256}} + bytes(range(40)). */
    static final byte[] OUR_CHALLENGE = concat(ascii("#CHALLENGE#{sha256}"), counting(40));

    /**
     * CPython 3.11's answer to {@link #OUR_CHALLENGE}, a bare HMAC-MD5 over {@code {sha256}} + bytes(range(40)), from its own
     * {@code answer_challenge}:
     * <pre>python3 -c "import multiprocessing.connection as c;F=type('F',(),{'__init__':lambda s,i:setattr(s,'i',i) or setattr(s,'o',[]),'recv_bytes':lambda s,n=None:s.i.pop(0),'send_bytes':lambda s,b:s.o.append(bytes(b))});f=F([b'#CHALLENGE#{sha256}'+bytes(range(40)),b'#WELCOME#']);c.answer_challenge(f,b'secret');print(f.o[0].hex())"</pre>
     */
    static final byte[] PY311_ANSWER_TO_OUR_CHALLENGE = hex("8e48d2bb349b4b72b9382999ed5b62eb");

    /**
     * The challenge CPython 3.11's {@code deliver_challenge} sends when {@code os.urandom} gives bytes(range(20)), and the
     * {@code #WELCOME#} it sends for the right answer:
     * <pre>python3 -c "import os,multiprocessing.connection as c;os.urandom=lambda n:bytes(range(n));F=type('F',(),{'__init__':lambda s,i:setattr(s,'i',i) or setattr(s,'o',[]),'recv_bytes':lambda s,n=None:s.i.pop(0),'send_bytes':lambda s,b:s.o.append(bytes(b))});f=F([bytes.fromhex('7defa9cc46abc3583325d17ccda75190')]);c.deliver_challenge(f,b'secret');print([m.hex() for m in f.o])"</pre>
     */
    static final byte[] PY311_CHALLENGE = hex("234348414c4c454e474523000102030405060708090a0b0c0d0e0f10111213");

    /** The answer CPython 3.11 expects to {@link #PY311_CHALLENGE}: {@code python3 -c "import hmac;print(hmac.new(b'secret',bytes(range(20)),'md5').hexdigest())"} */
    static final byte[] MD5_OVER_20 = hex("7defa9cc46abc3583325d17ccda75190");

    /** {@code python3 -c "import hmac;print(hmac.new(b'secret',b'{sha256}'+bytes(range(40)),'sha256').hexdigest())"} */
    static final byte[] SHA256_OVER_OUR_MESSAGE = hex("fc57fbe650d6124b98215e7b5d197d5807ad69982d275a9735ea2d56f1fa6989");

    /** {@code python3 -c "import hmac;print(hmac.new(b'secret',b'{sha384}'+bytes(range(40)),'sha384').hexdigest())"} */
    private static final byte[] SHA384_OVER_SHA384_MESSAGE = hex("bae78a3376369f7b803a8473318a9b7062495b47434159ac"
            + "84fc92ddb33c51b277c44c3edd9a5f9cb7d628f21abe2665");

    /** {@code python3 -c "import hmac;print(hmac.new(b'secret',b'{sha3_256}'+bytes(range(40)),'sha3_256').hexdigest())"} */
    private static final byte[] SHA3_256_OVER_SHA3_256_MESSAGE = hex("82e8fa62f363295b6655abecf0e98e510224c559e9745af9741c357aec358f90");

    private static final byte[] WELCOME = ascii("#WELCOME#");
    private static final byte[] FAILURE = ascii("#FAILURE#");

    @Test
    void withoutAuthkeyTheHandshakeIsCompleteAtOnceAndSendsNothing() {
        PythonHandshake handshake = new PythonHandshake("py", Role.ACCEPTOR, null);

        assertThat(handshake.isComplete()).isTrue();
        assertThat(handshake.hasOutput()).isFalse();
        ByteBuffer in = ByteBuffer.wrap(pythonMessage(ascii("data")));
        handshake.consume(in);
        assertThat(in.position()).isZero();
    }

    @Test
    void acceptorAndConnectorWithTheSameAuthkeyCompleteInEveryInterleaving() {
        for (int chunk : new int[] {1, 2, 3, 4, 5, 11, 64, 300}) {
            for (boolean acceptorFirst : new boolean[] {true, false}) {
                assertBothComplete(HandshakePump.alternating(chunk, acceptorFirst), "chunk " + chunk);
            }
        }
        for (long seed = 0; seed < 100; seed++) {
            assertBothComplete(HandshakePump.random(seed, 1 + (int) (seed % 70)), "seed " + seed);
        }
    }

    @Test
    void acceptorDeliversFirstAndConnectorAnswersFirst() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY, COUNTING);
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY, COUNTING);

        assertThat(drain(acceptor)).isEqualTo(pythonMessage(OUR_CHALLENGE));
        assertThat(connector.hasOutput()).as("the connector waits for the acceptor's challenge").isFalse();
        connector.consume(ByteBuffer.wrap(pythonMessage(OUR_CHALLENGE)));
        assertThat(drain(connector)).isEqualTo(pythonMessage(concat(ascii("{sha256}"), SHA256_OVER_OUR_MESSAGE)));
    }

    @Test
    void aChallengeThisProcessDeliveredOnAnotherConnectionIsNotAnswered() {
        LiveNonces live = new LiveNonces();
        PythonHandshake server = new PythonHandshake("server", Role.ACCEPTOR, AUTHKEY, COUNTING,
                ConnectionBinding.of(new ConnectionEnds("10.0.0.1 port 6000", "10.0.0.9 port 50000")), live);
        PythonHandshake client = new PythonHandshake("client", Role.CONNECTOR, AUTHKEY, COUNTING,
                ConnectionBinding.of(new ConnectionEnds("10.0.0.1 port 41000", "10.0.0.9 port 6000")), live);
        byte[] delivered = drain(server);

        assertThatThrownBy(() -> client.consume(ByteBuffer.wrap(delivered)))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("is one this process delivered in another handshake still running")
                .hasMessageContaining("relaying one connection into another");
        assertThat(client.hasOutput()).as("nothing was answered").isFalse();
    }

    @Test
    void aProcessConnectedToItselfStillAuthenticatesAndLetsGoOfItsChallenges() {
        LiveNonces live = new LiveNonces();
        PythonHandshake server = new PythonHandshake("server", Role.ACCEPTOR, AUTHKEY, COUNTING,
                ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 6000", "127.0.0.1 port 41000")), live);
        PythonHandshake client = new PythonHandshake("client", Role.CONNECTOR, AUTHKEY, nonce -> Arrays.fill(nonce, (byte) 5),
                ConnectionBinding.of(new ConnectionEnds("127.0.0.1 port 41000", "127.0.0.1 port 6000")), live);

        HandshakePump.Outcome outcome = HandshakePump.run(server, client, HandshakePump.alternating(7, true));

        assertThat(outcome.aFailure()).isNull();
        assertThat(outcome.bFailure()).isNull();
        assertThat(server.isComplete() && client.isComplete()).isTrue();
        assertThat(live.size()).isZero();
    }


    @Test
    void bytesAfterTheFinalWelcomeAreLeftForTheDecoder() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY);
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);
        connector.consume(ByteBuffer.wrap(drain(acceptor)));
        acceptor.consume(ByteBuffer.wrap(drain(connector)));
        connector.consume(ByteBuffer.wrap(drain(acceptor)));
        acceptor.consume(ByteBuffer.wrap(drain(connector)));
        connector.consume(ByteBuffer.wrap(drain(acceptor)));
        assertThat(connector.isComplete()).as("complete once it has welcomed the acceptor").isTrue();
        byte[] data = pythonMessage(ascii("first"));

        ByteBuffer in = ByteBuffer.wrap(concat(drain(connector), data));
        acceptor.consume(in);

        assertThat(acceptor.isComplete()).isTrue();
        assertThat(Arrays.copyOfRange(in.array(), in.position(), in.limit())).isEqualTo(data);
    }

    @Test
    void acceptsTheBareMd5AnswerOfCpython311() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY, COUNTING);
        drain(acceptor);

        acceptor.consume(ByteBuffer.wrap(pythonMessage(PY311_ANSWER_TO_OUR_CHALLENGE)));

        assertThat(drain(acceptor)).isEqualTo(pythonMessage(WELCOME));
    }

    @Test
    void acceptsAPrefixedAnswerInSha256AsCpython312Sends() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY, COUNTING);
        drain(acceptor);

        acceptor.consume(ByteBuffer.wrap(pythonMessage(concat(ascii("{sha256}"), SHA256_OVER_OUR_MESSAGE))));

        assertThat(drain(acceptor)).isEqualTo(pythonMessage(WELCOME));
    }

    @Test
    void answersTheLegacyChallengeOfCpython311WithABareMd5ThenDeliversItsOwn() {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY, COUNTING);

        connector.consume(ByteBuffer.wrap(pythonMessage(PY311_CHALLENGE)));
        assertThat(drain(connector)).isEqualTo(pythonMessage(MD5_OVER_20));
        connector.consume(ByteBuffer.wrap(pythonMessage(WELCOME)));

        assertThat(drain(connector)).isEqualTo(pythonMessage(OUR_CHALLENGE));
        connector.consume(ByteBuffer.wrap(pythonMessage(PY311_ANSWER_TO_OUR_CHALLENGE)));
        assertThat(drain(connector)).isEqualTo(pythonMessage(WELCOME));
        assertThat(connector.isComplete()).isTrue();
        assertThat(connector.peerRequiresAuthentication()).isTrue();
    }

    @Test
    void answersInTheDigestTheChallengeNames() {
        assertThat(answerTo(concat(ascii("#CHALLENGE#{sha384}"), counting(40))))
                .isEqualTo(concat(ascii("{sha384}"), SHA384_OVER_SHA384_MESSAGE));
        assertThat(answerTo(concat(ascii("#CHALLENGE#{sha3_256}"), counting(40))))
                .isEqualTo(concat(ascii("{sha3_256}"), SHA3_256_OVER_SHA3_256_MESSAGE));
    }

    @Test
    void wrongAuthkeyFailsBothSidesWithClearMessages() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY);
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, ascii("other"));

        HandshakePump.Outcome outcome = HandshakePump.run(acceptor, connector, HandshakePump.alternating(5, true));

        assertThat(outcome.aFailure()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("pipe 'py'").hasMessageContaining("answer to our authentication challenge is wrong")
                .hasMessageContaining("configure the same secret on both ends");
        assertThat(outcome.bFailure()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("peer rejected our authkey");
    }

    @Test
    void wrongAnswerIsRefusedWithFailure() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY, COUNTING);
        drain(acceptor);
        byte[] wrong = concat(ascii("{sha256}"), new byte[32]);

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(pythonMessage(wrong))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("HMAC-sha256 mismatch");
        assertThat(drain(acceptor)).isEqualTo(pythonMessage(FAILURE));
    }

    @Test
    void answerWithoutASupportedDigestIsRefusedWithFailure() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY, COUNTING);
        drain(acceptor);

        assertThatThrownBy(() -> acceptor.consume(ByteBuffer.wrap(pythonMessage(concat(ascii("{sha1}"), new byte[20]))))
                ).isInstanceOf(AuthenticationException.class).hasMessageContaining("no supported {digest} prefix");
        assertThat(drain(acceptor)).isEqualTo(pythonMessage(FAILURE));
    }

    @Test
    void challengeWithoutItsMarkerIsRefused() {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);

        assertThatThrownBy(() -> connector.consume(ByteBuffer.wrap(pythonMessage(ascii("hello")))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("where its authentication challenge");
    }

    @Test
    void challengeTooShortIsRefused() {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);

        assertThatThrownBy(() -> connector.consume(ByteBuffer.wrap(pythonMessage(concat(ascii("#CHALLENGE#"), new byte[19])))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("too short (19 bytes");
    }

    @Test
    void challengeNamingAnUnsupportedDigestIsRefused() {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);

        assertThatThrownBy(() -> connector.consume(ByteBuffer.wrap(pythonMessage(concat(ascii("#CHALLENGE#{sha1}"), new byte[40])))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("names no digest this end supports");
    }

    @Test
    void handshakeMessageOver256BytesIsRefusedFromItsLength() {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);

        assertThatThrownBy(() -> connector.consume(ByteBuffer.wrap(hex("00000101"))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("257 bytes during authentication")
                .hasMessageContaining("at most 256");
    }

    @Test
    void failureInsteadOfWelcomeMeansThePeerRejectedOurAuthkey() {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);
        connector.consume(ByteBuffer.wrap(pythonMessage(OUR_CHALLENGE)));

        assertThatThrownBy(() -> connector.consume(ByteBuffer.wrap(pythonMessage(FAILURE))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("peer rejected our authkey");
    }

    @Test
    void peerClosingMidHandshakeIsReportedWithTheStep() {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY);
        assertThatThrownBy(acceptor::endOfStream).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("before answering this end's authentication challenge");

        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);
        connector.consume(ByteBuffer.wrap(pythonMessage(OUR_CHALLENGE)));
        assertThatThrownBy(connector::endOfStream).isInstanceOf(PeerClosedException.class)
                .hasMessageContaining("it probably rejected our authkey");
    }

    private static byte[] answerTo(byte[] challenge) {
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);
        connector.consume(ByteBuffer.wrap(pythonMessage(challenge)));
        byte[] out = drain(connector);
        return Arrays.copyOfRange(out, 4, out.length);
    }

    private static void assertBothComplete(HandshakePump.Schedule schedule, String description) {
        PythonHandshake acceptor = new PythonHandshake("py", Role.ACCEPTOR, AUTHKEY);
        PythonHandshake connector = new PythonHandshake("py", Role.CONNECTOR, AUTHKEY);

        HandshakePump.Outcome outcome = HandshakePump.run(acceptor, connector, schedule);

        assertThat(outcome.aFailure()).as(description).isNull();
        assertThat(outcome.bFailure()).as(description).isNull();
        assertThat(acceptor.isComplete()).as(description).isTrue();
        assertThat(connector.isComplete()).as(description).isTrue();
        assertThat(outcome.aLeftover()).as(description).isEmpty();
        assertThat(outcome.bLeftover()).as(description).isEmpty();
    }

}
