package io.pipc.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * The raw JDK baseline's framing, the same for every transport: what a careful hand-written
 * sender and receiver would do, so that pipc is measured against good code, not a straw man.
 */
final class RawFrames {

    private RawFrames() {
    }

    /** Sends a 4-byte length and the payload in one gathering write per message. */
    static final class Writer {

        private final GatheringByteChannel channel;
        private final ByteBuffer header = ByteBuffer.allocateDirect(4);
        private final ByteBuffer[] frame = new ByteBuffer[2];

        Writer(GatheringByteChannel channel) {
            this.channel = channel;
        }

        void write(byte[] message) throws IOException {
            header.clear();
            header.putInt(message.length).flip();
            frame[0] = header;
            frame[1] = ByteBuffer.wrap(message);
            while (frame[1].hasRemaining()) {
                channel.write(frame);
            }
        }
    }

    /** Reads up to 64 KiB at a time and copies each payload into its own array, as a pipe delivers it. */
    static final class Reader {

        private final ReadableByteChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024).flip();

        Reader(ReadableByteChannel channel) {
            this.channel = channel;
        }

        byte[] read() throws IOException {
            while (buffer.remaining() < 4) {
                fill();
            }
            byte[] message = new byte[buffer.getInt()];
            int copied = 0;
            while (copied < message.length) {
                if (!buffer.hasRemaining()) {
                    fill();
                }
                int n = Math.min(buffer.remaining(), message.length - copied);
                buffer.get(message, copied, n);
                copied += n;
            }
            return message;
        }

        private void fill() throws IOException {
            buffer.compact();
            if (channel.read(buffer) < 0) {
                throw new EOFException("the writer closed");
            }
            buffer.flip();
        }
    }
}
