package io.pipc;

import org.jspecify.annotations.Nullable;

/**
 * The other end closed, or died. A reader sees it only after every message the peer wrote
 * before the end has been read. When the stream ended in the middle of a message,
 * {@link #partialBytesReceived()} and {@link #partialBytesExpected()} say how much of it
 * arrived; a partial message is never delivered.
 */
public final class PeerClosedException extends PipeException {

    private static final long serialVersionUID = 1L;

    private final long partialBytesReceived;
    private final long partialBytesExpected;

    /**
     * A peer that ended between messages.
     * @param message names the pipe and how the peer went away
     */
    public PeerClosedException(String message) {
        this(message, null, -1, -1);
    }

    /**
     * A peer that ended between messages, with the I/O failure that showed it.
     * @param message names the pipe and how the peer went away
     * @param cause the failure that revealed it
     */
    public PeerClosedException(String message, @Nullable Throwable cause) {
        this(message, cause, -1, -1);
    }

    /**
     * A peer that ended in the middle of a frame.
     * @param message names the pipe and says how much of the frame arrived
     * @param cause the failure that revealed it, if any
     * @param partialBytesReceived bytes of the unfinished frame that arrived, or -1
     * @param partialBytesExpected bytes that frame should have had, or -1 when its length was not yet known
     */
    public PeerClosedException(String message, @Nullable Throwable cause,
            long partialBytesReceived, long partialBytesExpected) {
        super(message, cause);
        this.partialBytesReceived = partialBytesReceived;
        this.partialBytesExpected = partialBytesExpected;
    }

    /**
     * @return bytes of an unfinished frame that arrived before the end, or -1 when the peer
     *         ended between frames
     */
    public long partialBytesReceived() {
        return partialBytesReceived;
    }

    /**
     * @return the length of the unfinished frame, or -1 when it is unknown or there was none
     */
    public long partialBytesExpected() {
        return partialBytesExpected;
    }

    /**
     * @return whether the peer ended in the middle of a frame
     */
    public boolean endedMidFrame() {
        return partialBytesReceived >= 0;
    }
}
