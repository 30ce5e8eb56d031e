package io.pipc.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * How the wire fuzz tests read the fuzzer's bytes: a few choices first, then the bytes a peer
 * sends. Laid out so that a seed can be written by hand and the fuzzer can mutate each part:
 *
 * <pre>
 * options            1 byte, read by each test as it documents
 * n                  1 byte: (n &amp; 7) + 1 chunk sizes follow
 * chunk sizes        n bytes, each (b &amp; 0xFF) + 1: how the stream is cut for delivery, cycled
 * stream             the rest
 * </pre>
 *
 * A short input reads its missing bytes as zeros: the empty input is one chunk size of 1 and
 * an empty stream.
 *
 * @param options the choices byte
 * @param chunks delivery sizes, 1 to 256, used in turn
 * @param stream the bytes to deliver
 */
record FuzzedStream(int options, int[] chunks, byte[] stream) {

    /**
     * @param input the fuzzer's bytes
     * @return the input read as options, chunk sizes and stream
     */
    static FuzzedStream parse(byte[] input) {
        int options = input.length > 0 ? input[0] & 0xFF : 0;
        int count = (input.length > 1 ? input[1] & 7 : 0) + 1;
        int[] chunks = new int[count];
        for (int i = 0; i < count; i++) {
            chunks[i] = (2 + i < input.length ? input[2 + i] & 0xFF : 0) + 1;
        }
        byte[] stream = 2 + count < input.length ? Arrays.copyOfRange(input, 2 + count, input.length) : new byte[0];
        return new FuzzedStream(options, chunks, stream);
    }

    /**
     * The inverse of {@link #parse}, for writing seeds.
     *
     * @param options the choices byte
     * @param chunks 1 to 8 delivery sizes, each 1 to 256
     * @param stream the parts of the stream, concatenated
     * @return the fuzz input
     */
    static byte[] seed(int options, int[] chunks, byte[]... stream) {
        if (chunks.length < 1 || chunks.length > 8) {
            throw new IllegalArgumentException("1 to 8 chunk sizes, not " + chunks.length);
        }
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.write(options);
        input.write(chunks.length - 1);
        for (int chunk : chunks) {
            if (chunk < 1 || chunk > 256) {
                throw new IllegalArgumentException("a chunk size is 1 to 256, not " + chunk);
            }
            input.write(chunk - 1);
        }
        for (byte[] part : stream) {
            input.writeBytes(part);
        }
        return input.toByteArray();
    }

    /**
     * @param index which delivery
     * @return the size of that delivery
     */
    int chunk(int index) {
        return chunks[index % chunks.length];
    }

    /**
     * Hands the stream to {@code receiver} cut into the chunk sizes, each piece a buffer of its
     * own in read mode.
     *
     * @param receiver takes each piece; may throw to stop the delivery
     */
    void deliver(Consumer<ByteBuffer> receiver) {
        int index = 0;
        for (int offset = 0; offset < stream.length; index++) {
            int n = Math.min(chunk(index), stream.length - offset);
            receiver.accept(ByteBuffer.wrap(Arrays.copyOfRange(stream, offset, offset + n)));
            offset += n;
        }
    }
}
