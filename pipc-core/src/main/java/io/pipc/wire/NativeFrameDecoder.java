package io.pipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

import org.jspecify.annotations.Nullable;

/**
 * Decodes native frames after the handshake. Every limit is checked from the five-byte
 * header, before a byte of the body is stored: a data payload over the maximum message size,
 * a control frame of the wrong length, or an authentication frame (which belongs to the
 * handshake) ends the stream.
 */
final class NativeFrameDecoder implements FrameDecoder {

    private enum Step { HEADER, HEADER_BLOCK, BODY }

    private final String pipeName;
    private final int maxMessageSize;
    private final FixedChunk header = new FixedChunk(FrameHeader.LENGTH);
    private final HeaderBlockReader headerBlock;
    private final BodyAssembler body = new BodyAssembler();
    private Step step = Step.HEADER;
    private @Nullable FrameHeader current;
    private long frameBytesReceived;
    private boolean failed;

    /**
     * @param pipeName the pipe, for error messages
     * @param maxMessageSize the largest payload accepted
     */
    NativeFrameDecoder(String pipeName, int maxMessageSize) {
        this.pipeName = pipeName;
        this.maxMessageSize = maxMessageSize;
        this.headerBlock = new HeaderBlockReader(pipeName);
    }

    @Override
    public void decodeEntries(ByteBuffer in, List<Object> out) {
        if (failed) {
            throw new IllegalStateException("pipe '" + pipeName + "': the frame decoder failed earlier; the stream"
                    + " cannot be resynchronised and must be closed");
        }
        try {
            while (in.hasRemaining()) {
                int before = in.position();
                Object entry = advance(in);
                frameBytesReceived += in.position() - before;
                if (entry != null) {
                    out.add(entry);
                    frameBytesReceived = 0;
                }
            }
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    @Override
    public void endOfStream() {
        if (!isMidFrame()) {
            return;
        }
        if (step == Step.HEADER) {
            throw new PeerClosedException("pipe '" + pipeName + "': the peer closed in the middle of a frame: "
                    + frameBytesReceived + " of the " + FrameHeader.LENGTH + " bytes of its header arrived",
                    null, frameBytesReceived, -1);
        }
        long expected = FrameHeader.LENGTH + (long) current().length();
        throw new PeerClosedException("pipe '" + pipeName + "': the peer closed in the middle of a frame: "
                + frameBytesReceived + " of " + expected + " bytes arrived; the partial message was discarded",
                null, frameBytesReceived, expected);
    }

    @Override
    public boolean isMidFrame() {
        return frameBytesReceived > 0;
    }

    @Override
    public int partialCapacity() {
        return body.capacity();
    }

    private @Nullable Object advance(ByteBuffer in) {
        switch (step) {
            case HEADER -> {
                if (!header.fill(in)) {
                    return null;
                }
                FrameHeader frame = FrameHeader.parse(header, pipeName);
                header.expect(FrameHeader.LENGTH);
                check(frame);
                current = frame;
                if (frame.type() == FrameType.DATA_WITH_HEADERS) {
                    headerBlock.begin(frame.length());
                    step = Step.HEADER_BLOCK;
                    return null;
                }
                return beginBody(frame.length(), in);
            }
            case HEADER_BLOCK -> {
                if (!headerBlock.read(in)) {
                    return null;
                }
                int payloadLength = current().length() - headerBlock.length();
                if (payloadLength > maxMessageSize) {
                    throw tooLarge(payloadLength);
                }
                return beginBody(payloadLength, in);
            }
            case BODY -> {
                byte[] bytes = body.fill(in);
                if (bytes == null) {
                    return null;
                }
                step = Step.HEADER;
                return toEntry(bytes);
            }
        }
        throw new IllegalStateException(step.toString());
    }

    /** Starts the body, finishing at once when it is empty (no further input may come). */
    private @Nullable Object beginBody(int length, ByteBuffer in) {
        body.begin(length);
        step = Step.BODY;
        return length == 0 ? advance(in) : null;
    }

    private void check(FrameHeader frame) {
        int length = frame.length();
        switch (frame.type()) {
            case DATA -> {
                if (length > maxMessageSize) {
                    throw tooLarge(length);
                }
            }
            case DATA_WITH_HEADERS -> {
                if (length > (long) maxMessageSize + HeaderBlock.MAX_LENGTH) {
                    throw tooLarge(length);
                }
                if (length < 3) {
                    throw new ProtocolException("pipe '" + pipeName + "': the peer sent a DATA_WITH_HEADERS frame of "
                            + length + " bytes, too short for a header block (at least 3 bytes)");
                }
            }
            case HEARTBEAT, GOODBYE, STOP -> {
                if (length != 0) {
                    throw new ProtocolException("pipe '" + pipeName + "': the peer sent a " + frame.type()
                            + " frame of " + length + " bytes; it must be empty");
                }
            }
            case DISCONNECT -> {
                if (length > NativeWire.MAX_DISCONNECT_REASON) {
                    throw new ProtocolException("pipe '" + pipeName + "': the peer sent a DISCONNECT reason of "
                            + length + " bytes; at most " + NativeWire.MAX_DISCONNECT_REASON + " are allowed");
                }
            }
            case AUTH_CHALLENGE, AUTH_RESPONSE, AUTH_RESULT -> throw new ProtocolException("pipe '" + pipeName
                    + "': the peer sent " + frame.type() + " after the handshake had completed");
        }
    }

    /** @return what {@link #decodeEntries} appends for the current frame */
    private Object toEntry(byte[] bytes) {
        return switch (current().type()) {
            case DATA -> bytes;
            case DATA_WITH_HEADERS -> headerBlock.envelope(bytes);
            case HEARTBEAT -> Frame.Heartbeat.INSTANCE;
            case GOODBYE -> Frame.Goodbye.INSTANCE;
            case STOP -> Frame.Stop.INSTANCE;
            // The reason is human text for an error message: bad UTF-8 is shown replaced, not refused.
            case DISCONNECT -> new Frame.Disconnect(new String(bytes, StandardCharsets.UTF_8));
            case AUTH_CHALLENGE, AUTH_RESPONSE, AUTH_RESULT -> throw new IllegalStateException("checked in the header");
        };
    }

    private MessageTooLargeException tooLarge(long announced) {
        return new MessageTooLargeException("pipe '" + pipeName + "': the peer announced a message of " + announced
                + " bytes, larger than maxMessageSize " + maxMessageSize + "; nothing of it was stored and the"
                + " connection must be closed (raise PipeOptions.maxMessageSize on this end, or send smaller messages)",
                announced, maxMessageSize);
    }

    private FrameHeader current() {
        return Objects.requireNonNull(current, "no frame header read");
    }
}
