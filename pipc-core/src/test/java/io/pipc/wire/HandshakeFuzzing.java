package io.pipc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.PipeException;
import io.pipc.ProtocolException;

import org.jspecify.annotations.Nullable;

/**
 * Drives {@link Handshake}s with fuzzed input and checks what every handshake promises: it
 * refuses only with the exceptions it declares, then throws the same one on every later call;
 * it leaves the bytes after its end untouched; it tells the peer's early end apart; and two
 * honest ends complete in any interleaving, while a byte changed on the path stops the end that
 * reads it. Anything else it throws is left to propagate: that is a finding.
 */
final class HandshakeFuzzing {

    /** What a handshake may throw on bad input (docs/protocol.md, sections 1.6, 2.2 and 3). */
    static final Set<Class<? extends PipeException>> DECLARED = Set.of(ProtocolException.class, AuthenticationException.class);

    /**
     * @param complete whether the handshake completed
     * @param failure the declared exception it refused with, or null
     * @param consumed how many bytes of the stream it took
     * @param output everything it sent
     */
    record Outcome(boolean complete, @Nullable Class<? extends PipeException> failure, long consumed, byte[] output) {
    }

    /** Makes one side's handshake for a fuzz test. */
    interface Sides {
        /**
         * @param role the side's role
         * @param secret its secret, or null
         * @param sideA whether it is side a of a pair (or the only side)
         * @param live where its challenges are kept, one registry per input
         * @return a fresh handshake
         */
        Handshake make(Role role, byte @Nullable [] secret, boolean sideA, LiveNonces live);
    }

    private HandshakeFuzzing() {
    }

    /**
     * The peer stream target: the stream is the peer's; options bit 0 picks this side's role
     * (set: connector), bit 1 gives it {@code secret}. Checks {@link #consume}'s promises, that
     * the outcome does not depend on the chunks, that at most {@code mostInput} bytes are taken
     * and that no challenge stays live.
     *
     * @return the outcome, for the wire's own checks
     */
    static Outcome consumeAndCheck(FuzzedStream stream, byte[] secret, Sides sides, long mostInput) {
        Role role = (stream.options() & 1) == 0 ? Role.ACCEPTOR : Role.CONNECTOR;
        byte[] own = (stream.options() & 2) == 0 ? null : secret;
        LiveNonces live = new LiveNonces();
        Handshake handshake = sides.make(role, own, true, live);

        Outcome outcome = consume(handshake, stream);
        Outcome whole = consumeWhole(sides.make(role, own, true, new LiveNonces()), stream);

        assertSameOutcome(outcome, whole, stream);
        assertThat(outcome.consumed()).isLessThanOrEqualTo(mostInput);
        handshake.abandon();
        assertThat(live.size()).as("challenges still live").isZero();
        return outcome;
    }

    /**
     * The pair target (see {@link #pair}): options bits 0-1 choose the secrets (none, the same,
     * side a only, different ones), bit 2 makes side a the connector. Checks
     * {@link Paired#assertInvariants}, that each side takes at most {@code mostInput} bytes and
     * that no challenge stays live.
     *
     * @param keylessSideCompletesAtOnce whether a side without a secret is complete before any
     *        byte arrives (the Python wire has no preface)
     */
    static void pairAndCheck(FuzzedStream stream, byte[] secret, byte[] otherSecret, Sides sides,
            boolean keylessSideCompletesAtOnce, long mostInput) {
        int secrets = stream.options() & 3;
        Role roleA = (stream.options() & 4) == 0 ? Role.ACCEPTOR : Role.CONNECTOR;
        byte[] secretA = secrets == 0 ? null : secret;
        byte[] secretB = switch (secrets) {
            case 1 -> secret;
            case 3 -> otherSecret;
            default -> null;
        };
        LiveNonces live = new LiveNonces();
        Handshake a = sides.make(roleA, secretA, true, live);
        Handshake b = sides.make(roleA.peer(), secretB, false, live);

        Paired paired = pair(stream, a, b);

        paired.assertSide(a, true, secretA, secretB, keylessSideCompletesAtOnce);
        paired.assertSide(b, false, secretB, secretA, keylessSideCompletesAtOnce);
        paired.assertHonestEndsComplete(a, b, Arrays.equals(secretA, secretB));
        assertThat(paired.outcome().aConsumed()).isLessThanOrEqualTo(mostInput);
        assertThat(paired.outcome().bConsumed()).isLessThanOrEqualTo(mostInput);
        a.abandon();
        b.abandon();
        assertThat(live.size()).as("challenges still live").isZero();
    }

    /**
     * Feeds the stream as the peer's, in its fuzzed chunk sizes, until the handshake completes
     * or refuses; then ends the stream.
     *
     * @param handshake a fresh handshake
     * @param input the peer's stream and its chunk sizes
     * @return what the handshake made of it
     */
    static Outcome consume(Handshake handshake, FuzzedStream input) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        output.writeBytes(WireBytes.drain(handshake));
        long[] consumed = {0};
        try {
            input.deliver(piece -> {
                if (handshake.isComplete()) {
                    return;
                }
                int before = piece.position();
                byte[] copy = piece.array().clone();
                try {
                    handshake.consume(piece);
                } finally {
                    consumed[0] += piece.position() - before;
                    output.writeBytes(WireBytes.drain(handshake));
                }
                if (handshake.isComplete()) {
                    assertThat(piece.array()).as("bytes after the handshake are left as they came").isEqualTo(copy);
                } else {
                    assertThat(piece.hasRemaining()).as("an incomplete handshake takes every byte it is given").isFalse();
                }
            });
        } catch (PipeException e) {
            assertDeclared(e);
            assertThatThrownBy(() -> handshake.consume(ByteBuffer.wrap(new byte[] {0}))).isSameAs(e);
            assertThatThrownBy(handshake::endOfStream).isSameAs(e);
            return new Outcome(false, e.getClass(), consumed[0], output.toByteArray());
        }
        if (handshake.isComplete()) {
            handshake.endOfStream();
        } else {
            assertThatThrownBy(handshake::endOfStream).isInstanceOf(PeerClosedException.class);
        }
        return new Outcome(handshake.isComplete(), null, consumed[0], output.toByteArray());
    }

    /**
     * The same with the whole stream in one buffer: the reference the chunked delivery must agree with.
     */
    static Outcome consumeWhole(Handshake handshake, FuzzedStream input) {
        return consume(handshake, new FuzzedStream(input.options(), new int[] {Math.max(1, input.stream().length)},
                input.stream()));
    }

    /**
     * Asserts that two outcomes agree in everything but the bytes sent (nonces are random), and
     * where a refusal stopped reading (a wrong preface is refused at its first wrong byte, so
     * that depends on the split).
     */
    static void assertSameOutcome(Outcome chunked, Outcome whole, FuzzedStream input) {
        String chunks = Arrays.toString(input.chunks());
        assertThat(chunked.complete()).as("completion, chunks %s", chunks).isEqualTo(whole.complete());
        assertThat(chunked.failure()).as("failure, chunks %s", chunks).isEqualTo(whole.failure());
        if (chunked.failure() == null) {
            assertThat(chunked.consumed()).as("bytes consumed, chunks %s", chunks).isEqualTo(whole.consumed());
        }
        assertThat(chunked.output().length).as("bytes sent, chunks %s", chunks).isEqualTo(whole.output().length);
    }

    private static void assertDeclared(PipeException e) {
        if (DECLARED.stream().noneMatch(type -> type.isInstance(e))) {
            throw new AssertionError("undeclared exception from the handshake: " + e, e);
        }
    }

    /**
     * Two handshakes run against each other: the interleaving and the changes on the path come
     * from the fuzzer. The stream part of the input reads as: one byte whose low 2 bits are the
     * number of changes, 2 bytes per change (the first: bit 7 set for bytes travelling to side
     * a, bits 0-6 the offset in that direction's stream; the second: the XOR mask, 0 for none),
     * then the bits that choose which side receives next, used in turn (alternating when there
     * are none). The chunk sizes are the input's.
     *
     * @param input the fuzzed input
     * @param a side a's handshake
     * @param b side b's handshake
     * @return the outcome, and the changes made
     */
    static Paired pair(FuzzedStream input, Handshake a, Handshake b) {
        byte[] stream = input.stream();
        int count = stream.length > 0 ? stream[0] & 3 : 0;
        // Two changes of one byte add up (and may cancel): only the net change of each byte counts.
        Map<Integer, Integer> masks = new TreeMap<>();
        int position = 1;
        for (int i = 0; i < count && position + 1 < stream.length; i++, position += 2) {
            masks.merge(stream[position] & 0xFF, stream[position + 1] & 0xFF, (x, y) -> x ^ y);
        }
        List<Change> changes = new ArrayList<>();
        masks.forEach((where, xor) -> {
            if (xor != 0) {
                changes.add(new Change((where & 0x80) != 0, where & 0x7F, xor.byteValue()));
            }
        });
        byte[] turns = Arrays.copyOfRange(stream, Math.min(position, stream.length), stream.length);
        HandshakePump.Schedule schedule = new HandshakePump.Schedule() {
            private int turn;
            private int delivery;

            @Override
            public boolean aNext() {
                int index = turn++;
                if (turns.length == 0) {
                    return index % 2 == 0;
                }
                return (turns[index / 8 % turns.length] >> (index % 8) & 1) != 0;
            }

            @Override
            public int chunk() {
                return input.chunk(delivery++);
            }
        };
        HandshakePump.Tamper tamper = (toA, offset, bytes) -> {
            byte[] changed = bytes.clone();
            for (Change change : changes) {
                long at = change.offset() - offset;
                if (change.toA() == toA && at >= 0 && at < changed.length) {
                    changed[(int) at] ^= change.xor();
                }
            }
            return changed;
        };
        return new Paired(HandshakePump.run(a, b, schedule, tamper), changes);
    }

    /**
     * @param toA whether the change is on the way to side a
     * @param offset where in that direction's stream
     * @param xor the bits flipped, never 0
     */
    record Change(boolean toA, long offset, byte xor) {
    }

    /**
     * @param outcome how the two handshakes ended
     * @param changes the bytes changed on the path
     */
    record Paired(HandshakePump.Outcome outcome, List<Change> changes) {

        /**
         * @param toA which side's incoming stream
         * @param consumed how far that side read
         * @return whether a change fell on a byte that side's handshake took
         */
        boolean changedWithin(boolean toA, long consumed) {
            return changes.stream().anyMatch(change -> change.toA() == toA && change.offset() < consumed);
        }

        /**
         * Asserts what holds for one side whatever the interleaving: it failed, if at all, with a
         * declared exception; with a secret, it completed only if the peer has the same one and
         * no byte it read was changed (the proofs cover every byte of the handshake); with no
         * secret on either side, it completed only on unchanged bytes (every byte of a preface
         * is checked). A side without a secret whose peer has one is protected by nothing: it
         * completes only if a change cleared the peer's authentication flag, or at once where
         * the wire has no preface.
         *
         * @param side the side's handshake
         * @param isA whether it is side a
         * @param own its secret, or null
         * @param peer the peer's secret, or null
         * @param keylessSideCompletesAtOnce whether a side without a secret is complete before any byte arrives
         */
        void assertSide(Handshake side, boolean isA, byte @Nullable [] own, byte @Nullable [] peer,
                boolean keylessSideCompletesAtOnce) {
            PipeException failure = isA ? outcome.aFailure() : outcome.bFailure();
            if (failure != null) {
                assertDeclared(failure);
            }
            if (!side.isComplete()) {
                return;
            }
            String name = isA ? "side a" : "side b";
            boolean changedRead = changedWithin(isA, isA ? outcome.aConsumed() : outcome.bConsumed());
            if (own != null) {
                assertThat(Arrays.equals(own, peer)).as("%s completed without the same secret", name).isTrue();
                assertThat(changedRead).as("%s completed on changed bytes: %s", name, changes).isFalse();
            } else if (peer == null) {
                assertThat(changedRead).as("%s completed on changed bytes: %s", name, changes).isFalse();
            } else if (!keylessSideCompletesAtOnce) {
                assertThat(changedRead).as("%s, without a secret, completed against a peer with one", name).isTrue();
            }
        }

        /**
         * Asserts that with no change and the same secret (or none on both sides) both sides
         * complete, with nothing left over.
         */
        void assertHonestEndsComplete(Handshake a, Handshake b, boolean sameSecrets) {
            if (sameSecrets && changes.isEmpty()) {
                assertThat(outcome.aFailure()).isNull();
                assertThat(outcome.bFailure()).isNull();
                assertThat(a.isComplete() && b.isComplete()).as("honest ends complete").isTrue();
                assertThat(outcome.aLeftover()).isEmpty();
                assertThat(outcome.bLeftover()).isEmpty();
            }
        }
    }
}
