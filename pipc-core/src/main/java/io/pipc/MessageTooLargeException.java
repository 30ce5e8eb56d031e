package io.pipc;

/**
 * A message is longer than {@link PipeOptions#maxMessageSize()}: either one this end tried to
 * write (nothing was sent, the pipe stays usable) or one the peer announced (refused before
 * any memory was allocated for it; the connection is closed, since the stream cannot be
 * resynchronised).
 */
public final class MessageTooLargeException extends PipeException {

    private static final long serialVersionUID = 1L;

    private final long size;
    private final long maximum;

    /**
     * @param message names the pipe and both sizes
     * @param size the length written or announced
     * @param maximum the configured maximum
     */
    public MessageTooLargeException(String message, long size, long maximum) {
        super(message);
        this.size = size;
        this.maximum = maximum;
    }

    /**
     * @return the length that was written or announced
     */
    public long size() {
        return size;
    }

    /**
     * @return the maximum that was in force
     */
    public long maximum() {
        return maximum;
    }
}
