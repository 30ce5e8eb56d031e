package io.pipc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;

import io.pipc.PeerClosedException;
import io.pipc.PipeException;

import org.jspecify.annotations.Nullable;

/**
 * Drives a {@link FrameDecoder} over a fuzzed stream and checks what every decoder promises,
 * whatever the bytes: it takes every byte it is given, fails only with the exceptions it
 * declares and then refuses further input, holds no more memory for a partial frame than the
 * bytes that arrived justify, and tells a clean end from an end in the middle of a frame.
 * Anything else it throws is left to propagate: that is a finding.
 */
final class DecoderFuzzing {

    /** {@link BodyAssembler}'s first allocation for a body that did not arrive whole. */
    private static final long FIRST_ALLOCATION = BodyAssembler.INITIAL_CAPACITY;

    /**
     * @param frames the frames decoded, in order
     * @param failure the declared exception that ended the stream, or null
     */
    record Outcome(List<Frame> frames, @Nullable Class<? extends PipeException> failure) {
    }

    /**
     * What the decoder under test may throw, and how to see the memory it holds.
     *
     * @param declared the exceptions its contract names for bad input
     * @param partialCapacity the length of the array it holds for a partial frame
     * @param largestFrame the largest frame body it may accept, bounding that array
     */
    record Contract(Set<Class<? extends PipeException>> declared, IntSupplier partialCapacity, long largestFrame) {
    }

    private DecoderFuzzing() {
    }

    /**
     * Feeds the stream in its fuzzed chunk sizes, then ends it.
     *
     * @return what the decoder made of it
     */
    static Outcome decode(FrameDecoder decoder, FuzzedStream input, Contract contract) {
        List<Frame> frames = new ArrayList<>();
        long[] fed = {0};
        try {
            input.deliver(piece -> {
                fed[0] += piece.remaining();
                decoder.decode(piece, frames);
                assertThat(piece.hasRemaining()).as("a decoder consumes every byte it is given").isFalse();
                assertMemoryFollowsTheBytes(contract, fed[0]);
            });
        } catch (PipeException e) {
            assertDeclared(e, contract);
            assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(new byte[] {0}), new ArrayList<>()))
                    .as("a decoder that failed refuses further input")
                    .isInstanceOf(IllegalStateException.class);
            return new Outcome(frames, e.getClass());
        }
        endOfStream(decoder, fed[0]);
        return new Outcome(frames, null);
    }

    /**
     * Feeds the whole stream in one buffer: the reference the chunked delivery must agree with.
     *
     * @return what the decoder made of it
     */
    static Outcome decodeWhole(FrameDecoder decoder, FuzzedStream input, Contract contract) {
        return decode(decoder, new FuzzedStream(input.options(), new int[] {Math.max(1, input.stream().length)},
                input.stream()), contract);
    }

    private static void assertMemoryFollowsTheBytes(Contract contract, long fed) {
        long held = contract.partialCapacity().getAsInt();
        assertThat(held).as("array held for a partial frame, after %d bytes", fed)
                .isLessThanOrEqualTo(contract.largestFrame())
                .isLessThanOrEqualTo(Math.max(FIRST_ALLOCATION, 2 * fed));
    }

    private static void assertDeclared(PipeException e, Contract contract) {
        if (contract.declared().stream().noneMatch(type -> type.isInstance(e))) {
            throw new AssertionError("undeclared exception from the decoder: " + e, e);
        }
    }

    private static void endOfStream(FrameDecoder decoder, long fed) {
        if (!decoder.isMidFrame()) {
            decoder.endOfStream();
            return;
        }
        assertThatThrownBy(decoder::endOfStream)
                .as("an end in the middle of a frame")
                .isInstanceOfSatisfying(PeerClosedException.class, e ->
                {
                    assertThat(e.partialBytesReceived()).isBetween(1L, fed);
                    assertThat(e.partialBytesExpected())
                            .matches(expected -> expected == -1 || expected > e.partialBytesReceived(),
                                    "-1 (length unknown) or more than arrived");
                });
    }
}
