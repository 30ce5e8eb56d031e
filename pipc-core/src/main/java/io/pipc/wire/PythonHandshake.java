package io.pipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

import io.pipc.AuthenticationException;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.PipeException;

import org.jspecify.annotations.Nullable;

/**
 * CPython's {@code multiprocessing.connection} authentication, byte for byte, when a secret
 * (authkey) is set; without one the handshake is complete at once, since that wire has no
 * preface.
 *
 * <p>Two exchanges, each a challenge one side <em>delivers</em> and the other <em>answers</em>.
 * The acceptor (Python's {@code Listener}) delivers first, then answers; the connector
 * ({@code Client}) answers first, then delivers. Delivering sends {@code #CHALLENGE#} +
 * {@code {sha256}} + 40 random bytes, checks the answer in constant time and replies
 * {@code #WELCOME#} or {@code #FAILURE#}. Answering replies to the challenge with the HMAC its
 * {@code {digest}} prefix names (or, for CPython 3.11 and older, whose 20-byte challenge has no
 * prefix, a bare HMAC-MD5), then expects {@code #WELCOME#}. As CPython does, a delivered
 * challenge also accepts an answer in any allowed digest, or the bare 16-byte HMAC-MD5 that
 * CPython 3.11 and older send. Every message is length-prefixed and at most 256 bytes.
 *
 * <p>CPython's protocol binds an answer to the challenge alone: not to the connection, not to a
 * role. A process that delivers challenges on one connection and answers them on another with
 * the same authkey (a server that is also a client) could be made to answer its own challenge
 * for a party without the authkey. So every challenge delivered is {@linkplain LiveNonces live}
 * until its handshake ends, and a challenge to answer that equals a live one is refused.
 */
final class PythonHandshake implements Handshake {

    /** CPython's limit on every handshake message ({@code recv_bytes(256)}). */
    static final int MAX_MESSAGE = 256;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Consumer<byte[]> RANDOM_FILL = RANDOM::nextBytes;
    private static final byte[] CHALLENGE = ascii("#CHALLENGE#");
    private static final byte[] WELCOME = ascii("#WELCOME#");
    private static final byte[] FAILURE = ascii("#FAILURE#");
    private static final int NONCE_LENGTH = 40;
    /** The length of a CPython 3.11 challenge, which has no digest prefix and wants a bare HMAC-MD5. */
    private static final int LEGACY_CHALLENGE_LENGTH = 20;

    private enum Step { AWAIT_RESPONSE, AWAIT_CHALLENGE, AWAIT_WELCOME, COMPLETE }

    private final String pipeName;
    private final Role role;
    private final byte @Nullable [] authkey;
    private final Consumer<byte[]> random;
    private final PendingOutput output = new PendingOutput();
    private final PythonFrameDecoder reader;
    private final ConnectionBinding connection;
    private final LiveNonces liveNonces;
    private LiveNonces.@Nullable Registration liveChallenge;
    private byte[] deliveredMessage = new byte[0];
    private Step step;
    private boolean peerRequiresAuthentication;
    private @Nullable PipeException failure;

    /**
     * @param pipeName the pipe, for error messages
     * @param role the acceptor delivers first, the connector answers first
     * @param authkey the shared secret, or null for none
     * @param connection the connection it runs on
     */
    PythonHandshake(String pipeName, Role role, byte @Nullable [] authkey, ConnectionBinding connection) {
        this(pipeName, role, authkey, RANDOM_FILL, connection, LiveNonces.PROCESS);
    }

    /**
     * For tests that pair two handshakes in memory: the connection's ends are named after the roles.
     *
     * @param pipeName the pipe, for error messages
     * @param role the acceptor delivers first, the connector answers first
     * @param authkey the shared secret, or null for none
     */
    PythonHandshake(String pipeName, Role role, byte @Nullable [] authkey) {
        this(pipeName, role, authkey, RANDOM_FILL, ConnectionBinding.inMemory(role), LiveNonces.PROCESS);
    }

    /**
     * For tests that pair two handshakes in memory: the connection's ends are named after the roles.
     *
     * @param pipeName the pipe, for error messages
     * @param role the acceptor delivers first, the connector answers first
     * @param authkey the shared secret, or null for none
     * @param random fills each challenge's nonce; fixed only by tests that check against CPython's bytes
     */
    PythonHandshake(String pipeName, Role role, byte @Nullable [] authkey, Consumer<byte[]> random) {
        // Fixed nonces repeat from test to test: they are kept apart from the process's live challenges.
        this(pipeName, role, authkey, random, ConnectionBinding.inMemory(role), new LiveNonces());
    }

    /**
     * @param pipeName the pipe, for error messages
     * @param role the acceptor delivers first, the connector answers first
     * @param authkey the shared secret, or null for none
     * @param random fills each challenge's nonce; fixed only by tests that check against CPython's bytes
     * @param connection the connection it runs on
     * @param liveNonces where this process's live challenges are kept; the process's own except in tests
     */
    PythonHandshake(String pipeName, Role role, byte @Nullable [] authkey, Consumer<byte[]> random,
            ConnectionBinding connection, LiveNonces liveNonces) {
        this.random = Objects.requireNonNull(random, "random");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.liveNonces = Objects.requireNonNull(liveNonces, "liveNonces");
        this.pipeName = Objects.requireNonNull(pipeName, "pipeName");
        this.role = Objects.requireNonNull(role, "role");
        this.authkey = authkey;
        this.reader = new PythonFrameDecoder(pipeName, MAX_MESSAGE, false);
        if (authkey == null) {
            step = Step.COMPLETE;
        } else if (role == Role.ACCEPTOR) {
            deliverChallenge();
        } else {
            step = Step.AWAIT_CHALLENGE;
        }
    }

    /**
     * @param message a message received
     * @return whether it is a CPython authentication challenge
     */
    static boolean isChallenge(byte[] message) {
        return message.length <= MAX_MESSAGE && startsWith(message, CHALLENGE);
    }

    @Override
    public boolean hasOutput() {
        return output.hasRemaining();
    }

    @Override
    public void produce(ByteBuffer out) {
        output.moveTo(out);
    }

    @Override
    public void consume(ByteBuffer in) {
        if (failure != null) {
            throw failure;
        }
        try {
            while (step != Step.COMPLETE && in.hasRemaining()) {
                byte[] message = readMessage(in);
                if (message != null) {
                    onMessage(message);
                }
            }
        } catch (PipeException e) {
            failure = e;
            abandon();
            throw e;
        }
        if (step == Step.COMPLETE) {
            abandon();
        }
    }

    @Override
    public void abandon() {
        LiveNonces.Registration registration = liveChallenge;
        if (registration != null) {
            registration.release();
        }
    }

    @Override
    public void endOfStream() {
        if (failure != null) {
            throw failure;
        }
        String waitingFor = waitingFor();
        if (waitingFor != null) {
            failure = new PeerClosedException("pipe '" + pipeName + "': the peer closed the connection before "
                    + waitingFor);
            abandon();
            throw failure;
        }
    }

    @Override
    public String stalled() {
        String waitingFor = waitingFor();
        return (waitingFor != null) ? "; it stopped before " + waitingFor : "";
    }

    /** @return what the peer has yet to do, and why it may not, or null once complete */
    private @Nullable String waitingFor() {
        return switch (step) {
            case COMPLETE -> null;
            case AWAIT_RESPONSE -> "answering this end's authentication challenge; it may have no authkey"
                    + " (set the same secret on both ends) or speak another wire";
            case AWAIT_CHALLENGE -> "sending its authentication challenge; it may have no authkey"
                    + " (set the same secret on both ends) or speak another wire";
            case AWAIT_WELCOME -> "accepting this end's answer; it probably rejected our authkey"
                    + " (configure the same secret on both ends)";
        };
    }

    @Override
    public boolean isComplete() {
        return step == Step.COMPLETE;
    }

    @Override
    public boolean peerRequiresAuthentication() {
        return peerRequiresAuthentication;
    }

    private byte @Nullable [] readMessage(ByteBuffer in) {
        try {
            return reader.next(in);
        } catch (MessageTooLargeException e) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer sent a message of " + e.size()
                    + " bytes during authentication, where at most " + MAX_MESSAGE + " are accepted; it may have no"
                    + " authkey (configure the same secret on both ends) or speak another wire", e);
        }
    }

    private void onMessage(byte[] message) {
        switch (step) {
            case AWAIT_RESPONSE -> {
                verifyAnswer(message);
                step = role == Role.ACCEPTOR ? Step.AWAIT_CHALLENGE : Step.COMPLETE;
            }
            case AWAIT_CHALLENGE -> {
                answerChallenge(message);
                step = Step.AWAIT_WELCOME;
            }
            case AWAIT_WELCOME -> {
                if (!Arrays.equals(message, WELCOME)) {
                    throw new AuthenticationException("pipe '" + pipeName + "': the peer rejected our authkey"
                            + (Arrays.equals(message, FAILURE) ? "" : " (it answered " + message.length + " bytes, not #WELCOME#)")
                            + "; configure the same secret on both ends");
                }
                if (role == Role.ACCEPTOR) {
                    step = Step.COMPLETE;
                } else {
                    deliverChallenge();
                }
            }
            case COMPLETE -> throw new IllegalStateException("handshake already complete");
        }
    }

    private void deliverChallenge() {
        byte[] nonce = new byte[NONCE_LENGTH];
        random.accept(nonce);
        deliveredMessage = concat(PythonDigest.SHA256.prefix(), nonce);
        // The acceptor delivers before it answers, the connector after: one challenge per handshake.
        liveChallenge = liveNonces.register(deliveredMessage, connection);
        send(concat(CHALLENGE, deliveredMessage));
        step = Step.AWAIT_RESPONSE;
    }

    private void verifyAnswer(byte[] answer) {
        PythonDigest digest;
        byte[] mac;
        if (answer.length == PythonDigest.MD5.length() || answer.length == LEGACY_CHALLENGE_LENGTH) {
            // CPython 3.11 and older answer any challenge with a bare HMAC-MD5.
            digest = PythonDigest.MD5;
            mac = answer;
        } else {
            digest = PythonDigest.ofPrefix(answer);
            mac = digest == null ? answer : Arrays.copyOfRange(answer, digest.prefix().length, answer.length);
        }
        if (digest == null || !MessageDigest.isEqual(mac, digest.mac(key(), deliveredMessage))) {
            send(FAILURE);
            throw new AuthenticationException("pipe '" + pipeName + "': the peer's answer to our authentication"
                    + " challenge is wrong (" + (digest == null ? "no supported {digest} prefix" : "HMAC-" + digest + " mismatch")
                    + "): the authkeys differ; configure the same secret on both ends");
        }
        send(WELCOME);
    }

    private void answerChallenge(byte[] challenge) {
        if (!startsWith(challenge, CHALLENGE)) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer sent " + challenge.length + " bytes"
                    + " where its authentication challenge (#CHALLENGE#...) belongs; it may have no authkey"
                    + " (configure the same secret on both ends) or speak another wire");
        }
        peerRequiresAuthentication = true;
        byte[] message = Arrays.copyOfRange(challenge, CHALLENGE.length, challenge.length);
        String relayed = liveNonces.relayed(message, connection);
        if (relayed != null) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer's authentication challenge is one this"
                    + " process delivered in another handshake still running (" + relayed + "): a party without the"
                    + " authkey is relaying one connection into another to obtain an answer; refused, and nothing was"
                    + " answered");
        }
        if (message.length < LEGACY_CHALLENGE_LENGTH) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer's authentication challenge is too"
                    + " short (" + message.length + " bytes, at least " + LEGACY_CHALLENGE_LENGTH + " expected)");
        }
        if (message.length == LEGACY_CHALLENGE_LENGTH) {
            send(PythonDigest.MD5.mac(key(), message));
            return;
        }
        PythonDigest digest = PythonDigest.ofPrefix(message);
        if (digest == null) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer's authentication challenge names no"
                    + " digest this end supports (md5, sha256, sha384, sha3_256, sha3_384)");
        }
        send(concat(digest.prefix(), digest.mac(key(), message)));
    }

    private void send(byte[] message) {
        output.add(ByteBuffer.allocate(PythonFrameEncoder.LENGTH_PREFIX).putInt(message.length).array());
        output.add(message);
    }

    private byte[] key() {
        return Objects.requireNonNull(authkey, "authkey");
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length
                && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "PythonHandshake[" + pipeName + ", " + role + ", " + step + "]";
    }
}
