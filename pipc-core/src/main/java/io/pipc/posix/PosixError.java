package io.pipc.posix;

/**
 * The {@code errno} values pipc reacts to, by meaning; everything else is {@link #OTHER}.
 */
public enum PosixError {
    /** {@code ENOENT}: nothing at that path. */
    NO_SUCH_FILE,
    /** {@code EEXIST}: something is already at that path. */
    EXISTS,
    /** {@code ENXIO}: a FIFO opened for writing without blocking has no reader yet. */
    NO_READER,
    /** {@code ELOOP} (or {@code EMLINK} on FreeBSD): {@code O_NOFOLLOW} met a symbolic link. */
    SYMLINK,
    /** {@code EWOULDBLOCK}/{@code EAGAIN}: a non-blocking lock is held by someone else. */
    WOULD_BLOCK,
    /** {@code EISDIR}: a directory where a file was expected. */
    IS_DIRECTORY,
    /** {@code ENOTDIR}: not a directory where one was expected ({@link OpenFlag#DIRECTORY}). */
    NOT_DIRECTORY,
    /** {@code EACCES}/{@code EPERM}: not allowed. */
    ACCESS_DENIED,
    /** {@code EINTR}: a signal interrupted the call. */
    INTERRUPTED,
    /** Any other error. */
    OTHER
}
