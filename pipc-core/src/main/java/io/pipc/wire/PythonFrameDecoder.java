package io.pipc.wire;

import java.nio.ByteBuffer;
import java.util.List;

import io.pipc.AuthenticationException;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.ProtocolException;

import org.jspecify.annotations.Nullable;

/**
 * Decodes Python wire messages: a 4-byte big-endian signed length {@code n}, then {@code n}
 * bytes; {@code n == -1} means an 8-byte unsigned length follows. Every length is checked
 * against the limit before anything is allocated. The handshake reuses this decoder, one
 * message at a time, with CPython's 256-byte limit.
 */
final class PythonFrameDecoder implements FrameDecoder {

    private static final int LONG_LENGTH_PREFIX = 8;

    private enum Step { LENGTH, LONG_LENGTH, BODY }

    private final String pipeName;
    private final int maxMessageSize;
    private final FixedChunk length = new FixedChunk(LONG_LENGTH_PREFIX);
    private final BodyAssembler body = new BodyAssembler();
    private boolean refuseChallenge;
    private Step step = Step.LENGTH;
    private long messageBytesReceived;
    private long messageBytesExpected = -1;
    private boolean failed;

    /**
     * @param pipeName the pipe, for error messages
     * @param maxMessageSize the largest message accepted
     * @param refuseChallenge whether a first message that is CPython's authentication challenge
     *        means the peer wants an authkey this end lacks (rather than being data)
     */
    PythonFrameDecoder(String pipeName, int maxMessageSize, boolean refuseChallenge) {
        this.pipeName = pipeName;
        this.maxMessageSize = maxMessageSize;
        this.refuseChallenge = refuseChallenge;
        this.length.expect(PythonFrameEncoder.LENGTH_PREFIX);
    }

    @Override
    public void decodeEntries(ByteBuffer in, List<Object> out) {
        if (failed) {
            throw new IllegalStateException("pipe '" + pipeName + "': the frame decoder failed earlier; the stream"
                    + " cannot be resynchronised and must be closed");
        }
        try {
            while (in.hasRemaining()) {
                byte[] message = next(in);
                if (message != null) {
                    checkNotChallenge(message);
                    out.add(message);
                }
            }
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /**
     * Reads at most one message, leaving the bytes after it in {@code in}.
     *
     * @param in received bytes, in read mode
     * @return the message once complete, else null (all of {@code in} was consumed)
     */
    byte @Nullable [] next(ByteBuffer in) {
        byte[] whole = wholeMessage(in);
        if (whole != null) {
            return whole;
        }
        while (in.hasRemaining()) {
            int before = in.position();
            byte[] message = advance(in);
            messageBytesReceived += in.position() - before;
            if (message != null) {
                messageBytesReceived = 0;
                messageBytesExpected = -1;
                return message;
            }
        }
        return null;
    }

    /**
     * The common case, taken apart from the steps: between messages, with a whole message of a
     * short length in {@code in}, the message is read straight out of it, and the length's and
     * the body's gatherers are not touched (they are as the last message left them).
     *
     * @param in received bytes, in read mode
     * @return the message, or null when this is not that case ({@code in} is untouched then)
     */
    private byte @Nullable [] wholeMessage(ByteBuffer in) {
        int at = in.position();
        if (messageBytesReceived != 0 || in.limit() - at < PythonFrameEncoder.LENGTH_PREFIX) {
            return null;
        }
        int n = (in.get(at) & 0xff) << 24 | (in.get(at + 1) & 0xff) << 16 | (in.get(at + 2) & 0xff) << 8 | (in.get(at + 3) & 0xff);
        // A negative or too long length is the steps' to report; a body not all here, theirs to gather.
        if (n < 0 || n > maxMessageSize || n > in.limit() - at - PythonFrameEncoder.LENGTH_PREFIX) {
            return null;
        }
        byte[] message = new byte[n];
        in.position(at + PythonFrameEncoder.LENGTH_PREFIX);
        in.get(message);
        return message;
    }

    @Override
    public void endOfStream() {
        if (!isMidFrame()) {
            return;
        }
        if (messageBytesExpected < 0) {
            throw new PeerClosedException("pipe '" + pipeName + "': the peer closed in the middle of a message: "
                    + messageBytesReceived + " bytes of its length prefix arrived", null, messageBytesReceived, -1);
        }
        throw new PeerClosedException("pipe '" + pipeName + "': the peer closed in the middle of a message: "
                + messageBytesReceived + " of " + messageBytesExpected + " bytes arrived; the partial message was discarded",
                null, messageBytesReceived, messageBytesExpected);
    }

    @Override
    public boolean isMidFrame() {
        return messageBytesReceived > 0;
    }

    @Override
    public int partialCapacity() {
        return body.capacity();
    }

    private byte @Nullable [] advance(ByteBuffer in) {
        switch (step) {
            case LENGTH -> {
                if (!length.fill(in)) {
                    return null;
                }
                int n = length.intAt(0);
                if (n == -1) {
                    length.expect(LONG_LENGTH_PREFIX);
                    step = Step.LONG_LENGTH;
                    return null;
                }
                if (n < 0) {
                    throw new ProtocolException("pipe '" + pipeName + "': the peer sent the message length " + n
                            + "; Python's multiprocessing wire uses no negative length but -1");
                }
                return beginBody(PythonFrameEncoder.LENGTH_PREFIX, n, in);
            }
            case LONG_LENGTH -> {
                if (!length.fill(in)) {
                    return null;
                }
                long n = length.longAt(0);
                if (n < 0 || n > maxMessageSize) {
                    throw tooLarge(n);
                }
                return beginBody(PythonFrameEncoder.LENGTH_PREFIX + LONG_LENGTH_PREFIX, (int) n, in);
            }
            case BODY -> {
                byte[] message = body.fill(in);
                if (message != null) {
                    step = Step.LENGTH;
                    length.expect(PythonFrameEncoder.LENGTH_PREFIX);
                }
                return message;
            }
        }
        throw new IllegalStateException(step.toString());
    }

    private byte @Nullable [] beginBody(int prefixLength, int messageLength, ByteBuffer in) {
        if (messageLength > maxMessageSize) {
            throw tooLarge(messageLength);
        }
        messageBytesExpected = prefixLength + (long) messageLength;
        body.begin(messageLength);
        step = Step.BODY;
        return messageLength == 0 ? advance(in) : null;
    }

    private void checkNotChallenge(byte[] message) {
        if (refuseChallenge) {
            refuseChallenge = false;
            if (PythonHandshake.isChallenge(message)) {
                throw new AuthenticationException("pipe '" + pipeName + "': the peer sent an authentication challenge:"
                        + " it requires an authkey, and this end has no secret; set PipeOptions.secret to the peer's authkey");
            }
        }
    }

    private MessageTooLargeException tooLarge(long announced) {
        String size = announced < 0 ? Long.toUnsignedString(announced) : Long.toString(announced);
        return new MessageTooLargeException("pipe '" + pipeName + "': the peer announced a message of " + size
                + " bytes, larger than the maximum " + maxMessageSize + "; nothing of it was stored and the connection"
                + " must be closed (raise PipeOptions.maxMessageSize on this end, or send smaller messages)",
                announced < 0 ? Long.MAX_VALUE : announced, maxMessageSize);
    }
}
