package io.pipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.PipeException;
import io.pipc.ProtocolException;

import org.jspecify.annotations.Nullable;

/**
 * The native opening exchange (wire version 2). Each side sends its preface; when both have a
 * secret, each then sends a fresh nonce ({@code AUTH_CHALLENGE}), answers the peer's nonce with
 * HMAC-SHA256(secret, own role label, transcript) ({@code AUTH_RESPONSE}), checks the peer's
 * answer in constant time and says whether it was right ({@code AUTH_RESULT}). Complete once this
 * side has verified the peer and the peer has accepted this side.
 *
 * <p>The transcript is everything both sides sent in this handshake, in role order: the context
 * the transport exchanged before it (a rendezvous's two hellos), both prefaces and both nonces.
 * Fresh nonces defeat replay; the role label defeats a proof reflected back at its sender; a
 * challenge equal to any nonce this process has live in another handshake is refused
 * ({@link LiveNonces}), so that no answer obtained on one connection passes on another. On each
 * stream the frames come in one order (preface, challenge, response, result), so the handshake
 * takes at most 88 bytes of input; anything out of order, or any frame over 4 KiB, is refused.
 */
final class NativeHandshake implements Handshake {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String MAC_ALGORITHM = "HmacSHA256";

    private enum Step { PREFACE, FRAME_HEADER, FRAME_BODY, COMPLETE }

    private final String pipeName;
    private final Role role;
    private final byte @Nullable [] secret;
    private final ConnectionBinding connection;
    private final byte[] context;
    private final byte[] ownPreface;
    private final byte[] ownNonce;
    private final LiveNonces liveNonces;
    private LiveNonces.@Nullable Registration liveNonce;
    private final PendingOutput output = new PendingOutput();
    private final FixedChunk preface = new FixedChunk(Preface.LENGTH);
    private final FixedChunk frameHeader = new FixedChunk(FrameHeader.LENGTH);
    private final FixedChunk frameBody = new FixedChunk(NativeWire.NONCE_LENGTH);
    private Step step = Step.PREFACE;
    private @Nullable FrameHeader current;
    private boolean peerRequiresAuthentication;
    private byte @Nullable [] peerNonce;
    private byte[] peerPreface = new byte[0];
    private boolean peerVerified;
    private @Nullable PipeException failure;

    /**
     * For tests that pair two handshakes in memory: the connection's ends are named after the roles.
     *
     * @param pipeName the pipe, for error messages
     * @param role whether this side accepted the connection or made it
     * @param secret the shared secret, or null for none
     */
    NativeHandshake(String pipeName, Role role, byte @Nullable [] secret) {
        this(pipeName, role, secret, ConnectionBinding.inMemory(role), LiveNonces.PROCESS);
    }

    /**
     * @param pipeName the pipe, for error messages
     * @param role whether this side accepted the connection or made it
     * @param secret the shared secret, or null for none
     * @param connection the connection this handshake runs on, whose bytes exchanged before it
     *        (a rendezvous's hellos) are bound into both proofs
     * @param liveNonces where this process's live challenges are kept; the process's own except in tests
     */
    NativeHandshake(String pipeName, Role role, byte @Nullable [] secret, ConnectionBinding connection,
            LiveNonces liveNonces) {
        this.pipeName = Objects.requireNonNull(pipeName, "pipeName");
        this.role = Objects.requireNonNull(role, "role");
        this.secret = secret;
        this.connection = Objects.requireNonNull(connection, "connection");
        this.context = connection.exchangedBefore();
        this.liveNonces = Objects.requireNonNull(liveNonces, "liveNonces");
        this.ownPreface = Preface.encode(secret != null);
        this.ownNonce = new byte[NativeWire.NONCE_LENGTH];
        output.add(ownPreface);
        if (secret != null) {
            RANDOM.nextBytes(ownNonce);
            liveNonce = liveNonces.register(ownNonce, connection);
            // Sent at once, without waiting for the peer's preface: one round trip fewer.
            output.add(frame(FrameType.AUTH_CHALLENGE, ownNonce));
        }
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
                advance(in);
            }
        } catch (PipeException e) {
            throw fail(e);
        }
        if (step == Step.COMPLETE) {
            abandon();
        }
    }

    private PipeException fail(PipeException e) {
        failure = e;
        abandon();
        return e;
    }

    @Override
    public void abandon() {
        LiveNonces.Registration registration = liveNonce;
        if (registration != null) {
            registration.release();
        }
    }

    @Override
    public void endOfStream() {
        if (failure != null) {
            throw failure;
        }
        String where = switch (step) {
            case COMPLETE -> null;
            case PREFACE -> "before its whole preface arrived; it may not be a pipc peer, or it refused this connection";
            case FRAME_HEADER, FRAME_BODY -> peerNonce == null
                    ? "during authentication, before it sent its challenge"
                    : !peerVerified
                            ? "during authentication, before it proved knowledge of the secret"
                            : "during authentication, before it accepted this end's proof; it may have refused it";
        };
        if (where == null) {
            return;
        }
        long received = switch (step) {
            case PREFACE -> preface.filled();
            case FRAME_HEADER -> frameHeader.filled();
            case FRAME_BODY -> FrameHeader.LENGTH + frameBody.filled();
            case COMPLETE -> 0;
        };
        long expected = switch (step) {
            case PREFACE -> Preface.LENGTH;
            case FRAME_BODY -> FrameHeader.LENGTH + (long) Objects.requireNonNull(current).length();
            case FRAME_HEADER, COMPLETE -> -1;
        };
        if (received == 0) {
            throw fail(new PeerClosedException("pipe '" + pipeName + "': the peer closed the connection " + where));
        }
        throw fail(new PeerClosedException("pipe '" + pipeName + "': the peer closed the connection " + where
                + " (" + received + " of " + (expected < 0 ? "a frame's " + FrameHeader.LENGTH + " header" : expected)
                + " bytes arrived)", null, received, expected));
    }

    @Override
    public boolean isComplete() {
        return step == Step.COMPLETE;
    }

    @Override
    public String stalled() {
        return "";
    }

    @Override
    public boolean peerRequiresAuthentication() {
        return peerRequiresAuthentication;
    }

    private void advance(ByteBuffer in) {
        switch (step) {
            case PREFACE -> {
                boolean whole = preface.fill(in);
                Preface.checkMagic(preface.bytes(), preface.filled(), in, pipeName);
                if (whole) {
                    peerRequiresAuthentication = Preface.parse(preface.bytes(), pipeName);
                    peerPreface = preface.bytes().clone();
                    onPreface();
                }
            }
            case FRAME_HEADER -> {
                if (frameHeader.fill(in)) {
                    FrameHeader frame = FrameHeader.parse(frameHeader, pipeName);
                    frameHeader.expect(FrameHeader.LENGTH);
                    check(frame);
                    current = frame;
                    frameBody.expect(frame.length());
                    step = Step.FRAME_BODY;
                }
            }
            case FRAME_BODY -> {
                if (frameBody.fill(in)) {
                    step = Step.FRAME_HEADER;
                    onFrame(Objects.requireNonNull(current).type(), frameBody.bytes());
                }
            }
            case COMPLETE -> throw new IllegalStateException("handshake already complete");
        }
    }

    private void onPreface() {
        if (secret == null && !peerRequiresAuthentication) {
            step = Step.COMPLETE;
        } else if (secret == null) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer requires a shared secret and this end"
                    + " has none; set PipeOptions.secret to the same secret on both ends");
        } else if (!peerRequiresAuthentication) {
            throw new AuthenticationException("pipe '" + pipeName + "': this end requires authentication but the peer"
                    + " has no secret; configure the same secret on both ends");
        } else {
            step = Step.FRAME_HEADER;
        }
    }

    private void check(FrameHeader frame) {
        if (frame.length() > NativeWire.MAX_PRE_AUTHENTICATION_FRAME) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent a " + frame.type() + " frame of "
                    + frame.length() + " bytes before authentication completed; at most "
                    + NativeWire.MAX_PRE_AUTHENTICATION_FRAME + " are accepted then");
        }
        if (!frame.type().isAuthentication()) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent a " + frame.type()
                    + " frame before authentication completed; only authentication frames may come first");
        }
        int expected = frame.type() == FrameType.AUTH_RESULT ? 1 : NativeWire.NONCE_LENGTH;
        if (frame.length() != expected) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent an " + frame.type() + " frame of "
                    + frame.length() + " bytes; it must have " + expected);
        }
    }

    private void onFrame(FrameType type, byte[] body) {
        switch (type) {
            case AUTH_CHALLENGE -> onChallenge(body);
            case AUTH_RESPONSE -> onResponse(body);
            case AUTH_RESULT -> onResult(body[0]);
            default -> throw new IllegalStateException("checked in the header: " + type);
        }
    }

    private void onChallenge(byte[] body) {
        if (peerNonce != null) {
            throw outOfOrder("a second AUTH_CHALLENGE");
        }
        byte[] nonce = Arrays.copyOf(body, NativeWire.NONCE_LENGTH);
        if (MessageDigest.isEqual(nonce, ownNonce)) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer sent back this end's own challenge"
                    + " (a reflection attack, or this end is connected to itself); refused");
        }
        String relayed = liveNonces.relayed(nonce, connection);
        if (relayed != null) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer's challenge is one this process sent"
                    + " in another handshake still running (" + relayed + "): a party without the secret is relaying"
                    + " one connection into another to obtain a proof; refused, and no proof was sent");
        }
        peerNonce = nonce;
        output.add(frame(FrameType.AUTH_RESPONSE, mac(role)));
    }

    private void onResponse(byte[] body) {
        if (peerNonce == null) {
            throw outOfOrder("AUTH_RESPONSE before its AUTH_CHALLENGE");
        }
        if (peerVerified) {
            throw outOfOrder("a second AUTH_RESPONSE");
        }
        byte[] response = Arrays.copyOf(body, NativeWire.MAC_LENGTH);
        if (!MessageDigest.isEqual(response, mac(role.peer()))) {
            output.add(frame(FrameType.AUTH_RESULT, new byte[] {1}));
            throw new AuthenticationException("pipe '" + pipeName + "': the peer did not prove knowledge of the"
                    + " secret: the secrets differ, or the peer is not who it should be; configure the same secret"
                    + " on both ends");
        }
        peerVerified = true;
        output.add(frame(FrameType.AUTH_RESULT, new byte[] {0}));
    }

    private void onResult(byte result) {
        if (!peerVerified) {
            throw outOfOrder("AUTH_RESULT before its AUTH_RESPONSE");
        }
        if (result == 1) {
            throw new AuthenticationException("pipe '" + pipeName + "': the peer refused our secret: the secrets"
                    + " differ; configure the same secret on both ends");
        }
        if (result != 0) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer sent AUTH_RESULT 0x"
                    + String.format("%02x", result & 0xFF) + "; only 0x00 (accepted) and 0x01 (refused) exist");
        }
        step = Step.COMPLETE;
    }

    private ProtocolException outOfOrder(String what) {
        return new ProtocolException("pipe '" + pipeName + "': the peer sent " + what + "; on each stream the"
                + " handshake runs preface, AUTH_CHALLENGE, AUTH_RESPONSE, AUTH_RESULT");
    }

    /**
     * @param prover whose proof: this side's (to send) or the peer's (to check)
     * @return HMAC-SHA256(secret, label(prover) ‖ transcript), the transcript in role order
     */
    private byte[] mac(Role prover) {
        byte[] label = ("pipc-v2-" + prover.name().toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.US_ASCII);
        byte[] peer = Objects.requireNonNull(peerNonce, "peer nonce");
        boolean acceptor = role == Role.ACCEPTOR;
        byte[] contextLength = ByteBuffer.allocate(2).putShort((short) context.length).array();
        return Hmac.compute(MAC_ALGORITHM, Objects.requireNonNull(secret), label, contextLength, context,
                acceptor ? ownPreface : peerPreface, acceptor ? peerPreface : ownPreface,
                acceptor ? ownNonce : peer, acceptor ? peer : ownNonce);
    }

    private static byte[] frame(FrameType type, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(FrameHeader.LENGTH + body.length);
        FrameHeader.write(frame, type, body.length);
        return frame.put(body).array();
    }

    @Override
    public String toString() {
        return "NativeHandshake[" + pipeName + ", " + role + ", " + step + "]";
    }
}
