package io.pipc.posix;

/**
 * The {@code open(2)} flags pipc uses. Each maps to the platform's own value.
 */
public enum OpenFlag {
    /** {@code O_RDONLY}. */
    READ_ONLY,
    /** {@code O_WRONLY}. */
    WRITE_ONLY,
    /** {@code O_RDWR}. */
    READ_WRITE,
    /** {@code O_NONBLOCK}: a FIFO opens at once (or fails with {@code ENXIO}) instead of waiting for its peer. */
    NON_BLOCKING,
    /** {@code O_NOFOLLOW}: a symbolic link at the path is refused ({@code ELOOP}), never followed. */
    NO_FOLLOW,
    /** {@code O_CLOEXEC}: the descriptor does not leak into child processes. */
    CLOSE_ON_EXEC,
    /** {@code O_CREAT}: create the file with the given mode when it is absent. */
    CREATE,
    /**
     * {@code O_EXCL}, with {@link #CREATE}: fail with {@code EEXIST} when anything is at the path, a
     * symbolic link included; so the file opened is the one this call made.
     */
    EXCLUSIVE,
    /** {@code O_DIRECTORY}: fail with {@code ENOTDIR} unless the path is a directory. */
    DIRECTORY
}
