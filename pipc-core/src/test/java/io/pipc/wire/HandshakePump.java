package io.pipc.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import io.pipc.PipeException;

import org.jspecify.annotations.Nullable;

/**
 * Runs two handshakes against each other through in-memory streams, in an interleaving a
 * schedule chooses: which side receives next, and how many bytes. Bytes that reach a side
 * after its handshake completed are kept as that side's leftover, which its frame decoder
 * would get. A side that throws stops receiving; what it still had to send (a refusal)
 * reaches the other side. A {@link Tamper} may change the bytes on their way, as a party on
 * the path could.
 */
final class HandshakePump {

    /**
     * @param aFailure what side a threw, if anything
     * @param bFailure what side b threw, if anything
     * @param aLeftover bytes that reached a after its handshake completed
     * @param bLeftover bytes that reached b after its handshake completed
     * @param aConsumed how many bytes a's handshake took, counted from the start of b's stream
     * @param bConsumed how many bytes b's handshake took, counted from the start of a's stream
     */
    record Outcome(@Nullable PipeException aFailure, @Nullable PipeException bFailure,
            byte[] aLeftover, byte[] bLeftover, long aConsumed, long bConsumed) {
    }

    /** Changes bytes in transit. */
    interface Tamper {
        /** Delivers every byte as it was sent. */
        Tamper NONE = (toA, offset, bytes) -> bytes;

        /**
         * @param toA whether the bytes travel to side a (else to side b)
         * @param offset where the first of them stands in the stream of that direction
         * @param bytes the bytes as sent
         * @return the bytes to deliver instead, as many
         */
        byte[] inTransit(boolean toA, long offset, byte[] bytes);
    }

    /** Chooses the next delivery. */
    interface Schedule {
        /** @return true to deliver to side a next (when both could take bytes) */
        boolean aNext();

        /** @return how many bytes to deliver, at least 1 */
        int chunk();
    }

    private HandshakePump() {
    }

    /**
     * @param chunk a fixed delivery size
     * @param aFirst whether side a receives first whenever both could
     * @return a schedule that alternates sides, starting as asked
     */
    static Schedule alternating(int chunk, boolean aFirst) {
        return new Schedule() {
            private boolean a = !aFirst;

            @Override
            public boolean aNext() {
                a = !a;
                return a;
            }

            @Override
            public int chunk() {
                return chunk;
            }
        };
    }

    /**
     * @param seed the seed, so that a failure can be replayed
     * @param maxChunk the largest delivery
     * @return a schedule of random sides and sizes
     */
    static Schedule random(long seed, int maxChunk) {
        Random random = new Random(seed);
        return new Schedule() {
            @Override
            public boolean aNext() {
                return random.nextBoolean();
            }

            @Override
            public int chunk() {
                return 1 + random.nextInt(maxChunk);
            }
        };
    }

    static Outcome run(Handshake a, Handshake b, Schedule schedule) {
        return run(a, b, schedule, Tamper.NONE);
    }

    static Outcome run(Handshake a, Handshake b, Schedule schedule, Tamper tamper) {
        Side sideA = new Side(a);
        Side sideB = new Side(b);
        for (int round = 0; round < 1_000_000; round++) {
            sideA.sendTo(sideB, tamper, false);
            sideB.sendTo(sideA, tamper, true);
            boolean aCan = sideA.canReceive();
            boolean bCan = sideB.canReceive();
            if (!aCan && !bCan) {
                return new Outcome(sideA.failure, sideB.failure, sideA.leftover.toByteArray(), sideB.leftover.toByteArray(),
                        sideA.consumed, sideB.consumed);
            }
            Side target = aCan && bCan ? (schedule.aNext() ? sideA : sideB) : aCan ? sideA : sideB;
            target.receive(schedule.chunk());
        }
        throw new AssertionError("the handshakes never settled: " + a + " / " + b);
    }

    private static final class Side {

        private final Handshake handshake;
        private final ByteArrayOutputStream inbox = new ByteArrayOutputStream();
        private final ByteArrayOutputStream leftover = new ByteArrayOutputStream();
        private long arrived;
        private long consumed;
        private @Nullable PipeException failure;

        Side(Handshake handshake) {
            this.handshake = handshake;
        }

        void sendTo(Side peer, Tamper tamper, boolean peerIsA) {
            byte[] sent = WireBytes.drain(handshake);
            byte[] delivered = tamper.inTransit(peerIsA, peer.arrived, sent);
            if (delivered.length != sent.length) {
                throw new AssertionError("a tamper changes bytes, it does not add or drop them");
            }
            peer.arrived += delivered.length;
            peer.inbox.writeBytes(delivered);
        }

        boolean canReceive() {
            return failure == null && inbox.size() > 0;
        }

        void receive(int chunk) {
            byte[] waiting = inbox.toByteArray();
            int n = Math.min(chunk, waiting.length);
            inbox.reset();
            inbox.write(waiting, n, waiting.length - n);
            ByteBuffer in = ByteBuffer.wrap(Arrays.copyOf(waiting, n));
            if (!handshake.isComplete()) {
                try {
                    handshake.consume(in);
                } catch (PipeException e) {
                    failure = e;
                    return;
                } finally {
                    consumed += in.position();
                }
                if (in.hasRemaining() && !handshake.isComplete()) {
                    throw new AssertionError(handshake + " left " + in.remaining() + " bytes before completing");
                }
            }
            leftover.write(in.array(), in.position(), in.remaining());
        }
    }
}
