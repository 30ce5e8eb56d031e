package io.pipc.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Byte arrays written as the tests think of them: hex with spaces, ASCII, concatenations.
 */
final class WireBytes {

    private WireBytes() {
    }

    /**
     * @param hex pairs of hex digits, spaces allowed anywhere
     * @return the bytes
     */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /**
     * @param bytes bytes to show
     * @return lower-case hex pairs without spaces
     */
    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param length how many bytes
     * @return 0, 1, 2, ... as Python's {@code bytes(range(length))}
     */
    static byte[] counting(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /**
     * @param type the native frame type byte
     * @param body the body
     * @return a native frame: length, type, body
     */
    static byte[] nativeFrame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).putInt(body.length).put((byte) type).put(body).array();
    }

    /**
     * @param length the length field
     * @param type the type byte
     * @return just a native frame header
     */
    static byte[] nativeHeader(int length, int type) {
        return ByteBuffer.allocate(5).putInt(length).put((byte) type).array();
    }

    /**
     * @param body the message
     * @return a Python wire message: 4-byte length, body
     */
    static byte[] pythonMessage(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    /**
     * Feeds {@code stream} to the decoder in pieces of {@code chunk} bytes.
     *
     * @return every frame decoded
     */
    static List<Frame> decodeInChunks(FrameDecoder decoder, byte[] stream, int chunk) {
        List<Frame> frames = new ArrayList<>();
        for (int offset = 0; offset < stream.length; offset += chunk) {
            ByteBuffer in = ByteBuffer.wrap(stream, offset, Math.min(chunk, stream.length - offset));
            decoder.decode(in, frames);
            if (in.hasRemaining()) {
                throw new AssertionError("the decoder left " + in.remaining() + " bytes unconsumed");
            }
        }
        return frames;
    }

    /**
     * @return the frames decoded from the whole stream in one buffer
     */
    static List<Frame> decodeAll(FrameDecoder decoder, byte[] stream) {
        return decodeInChunks(decoder, stream, Math.max(1, stream.length));
    }

    /**
     * @return every byte the handshake has waiting, taken through a small buffer to exercise partial produce
     */
    static byte[] drain(Handshake handshake) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(7);
        while (handshake.hasOutput()) {
            out.clear();
            handshake.produce(out);
            all.write(out.array(), 0, out.position());
        }
        return all.toByteArray();
    }
}
