package io.pipc.posix;

import java.io.IOException;

/**
 * A POSIX call failed. Says which call, on what, and the system's reason.
 */
public final class PosixException extends IOException {

    private static final long serialVersionUID = 1L;

    private final PosixError error;
    private final String errnoName;

    /**
     * @param call the call and its argument, e.g. {@code open(/run/user/1000/pipc/jobs@to-creator.fifo)}
     * @param error what the error means to pipc
     * @param errnoName the symbolic errno, e.g. {@code ENXIO}
     * @param description the system's text for it
     */
    public PosixException(String call, PosixError error, String errnoName, String description) {
        super(call + " failed: " + description + " (" + errnoName + ")");
        this.error = error;
        this.errnoName = errnoName;
    }

    /**
     * @return what the error means to pipc
     */
    public PosixError error() {
        return error;
    }

    /**
     * @return the symbolic errno, e.g. {@code ENXIO}
     */
    public String errnoName() {
        return errnoName;
    }
}
