package io.pipc.transport.fifo;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import io.pipc.PipeException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixError;
import io.pipc.posix.PosixException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a rendezvous trusts: FIFOs opened without following a link or blocking, and only when
 * {@code fstat} shows a FIFO owned by this process's user, with one name at most and mode
 * exactly 0600. Anything else is refused with a {@link PipeException} naming the path and the
 * rule it broke, and is left as it was.
 */
final class FifoTrust {

    private static final Logger log = LoggerFactory.getLogger(FifoTrust.class);

    /** The only mode a rendezvous FIFO may have. */
    static final int MODE = 0600;
    /** A read end: never follows a link, never waits for a writer. */
    static final Set<OpenFlag> READ = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.NO_FOLLOW,
            OpenFlag.CLOSE_ON_EXEC);
    /** A write end: never follows a link; fails with {@code ENXIO} while nobody reads. */
    static final Set<OpenFlag> WRITE = EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.NO_FOLLOW,
            OpenFlag.CLOSE_ON_EXEC);

    private final Posix posix;
    private final String name;
    private final int uid;

    /**
     * @param posix the POSIX calls
     * @param name the rendezvous name, for errors
     */
    FifoTrust(Posix posix, String name) {
        this.posix = posix;
        this.name = name;
        this.uid = posix.uid();
    }

    /**
     * What a creator makes: a FIFO of this user with one name and no permission beyond 0600 (the
     * umask may have cleared some of its bits, until the creator sets them on its descriptor).
     * A second name would be a hard link, planted: the same file is reachable from elsewhere, so
     * changing its mode or removing it would reach beyond the private directory.
     *
     * @param status what {@code lstat} or {@code fstat} said
     * @param fifo its path
     * @throws PipeException unless it is such a FIFO
     */
    void requireMadeByPipc(FileStatus status, Path fifo) {
        if (status.type() != FileType.FIFO) {
            throw refused(fifo, "it is " + status.type().description() + ", not a FIFO");
        }
        if (status.owner() != uid) {
            throw refused(fifo, "it is a FIFO owned by uid " + status.owner() + ", not by this process's user (uid "
                    + uid + ")");
        }
        if (status.links() > 1) {
            throw refused(fifo, "it is a FIFO with " + status.links() + " names (hard links); one pipc makes has one");
        }
        if ((status.permissions() & ~MODE) != 0) {
            throw refused(fifo, "it is a FIFO with mode " + FileStatus.octal(status.permissions()) + ", not 0600");
        }
    }

    /**
     * @param status what {@code lstat} or {@code fstat} said
     * @param fifo its path
     * @throws PipeException unless it is a FIFO pipc made, with mode 0600 ({@link #requireMadeByPipc})
     */
    void requireOurFifo(FileStatus status, Path fifo) {
        requireMadeByPipc(status, fifo);
        if (status.permissions() != MODE) {
            throw refused(fifo, "it is a FIFO with mode " + FileStatus.octal(status.permissions()) + ", not 0600");
        }
    }

    /**
     * @param status what {@code lstat} or {@code fstat} said
     * @return whether it is a FIFO a creator has made under a umask that cleared some bits of 0600,
     *         and has not yet set right: worth waiting for, not refusing
     */
    boolean isUnfinished(FileStatus status) {
        return status.type() == FileType.FIFO && status.owner() == uid && status.links() <= 1
                && status.permissions() != MODE && (status.permissions() & ~MODE) == 0;
    }

    /**
     * @param fd a descriptor just opened; the caller closes it whatever happens
     * @param fifo the path it was opened by
     * @return what {@code fstat} says it is
     * @throws PipeException unless it is a FIFO of this user, with one name at most and mode 0600
     * @throws PosixException when {@code fstat} fails
     */
    FileStatus opened(int fd, Path fifo) throws PosixException {
        FileStatus status = posix.fstat(fd);
        requireOurFifo(status, fifo);
        return status;
    }

    /**
     * Opens a FIFO without following a link (with {@link #READ} or {@link #WRITE}).
     *
     * @param fifo the path
     * @param flags how
     * @return the descriptor; check it with {@link #opened} before use
     * @throws PipeException when a symbolic link or a directory is at the path
     * @throws PosixException for any other failure, for example {@code ENXIO} or {@code ENOENT}
     */
    int open(Path fifo, Set<OpenFlag> flags) throws PosixException {
        try {
            return posix.open(fifo, flags);
        } catch (PosixException e) {
            if (e.error() == PosixError.SYMLINK) {
                throw refused(fifo, "it is a symbolic link");
            }
            if (e.error() == PosixError.IS_DIRECTORY) {
                throw refused(fifo, "it is a directory");
            }
            throw e;
        }
    }

    /**
     * @param fifo a file of this rendezvous that is gone
     * @param when when it went, e.g. "right after it was made"
     * @return the error, logged: only another process of this user can remove a file here
     */
    PipeException vanished(Path fifo, String when) {
        return vanished(name, fifo, when);
    }

    /**
     * @param pipe the rendezvous name
     * @param path a file of this rendezvous that is gone
     * @param when when it went, e.g. "right after it was made"
     * @return the error, logged: only another process of this user can remove a file here
     */
    static PipeException vanished(String pipe, Path path, String when) {
        log.warn("named pipe '{}': {} vanished {}", pipe, path, when);
        return new PipeException("named pipe '" + pipe + "': " + path + " vanished " + when
                + "; another process of this user removed it");
    }

    /**
     * @param path what is refused
     * @param reason why, starting with "it"
     * @return the error, logged
     */
    PipeException refused(Path path, String reason) {
        return refused(name, path, reason);
    }

    /**
     * @param pipe the rendezvous name
     * @param path what is refused
     * @param reason why, starting with "it"
     * @return the error, logged
     */
    static PipeException refused(String pipe, Path path, String reason) {
        log.warn("named pipe '{}': refusing {}: {}", pipe, path, reason);
        return new PipeException("named pipe '" + pipe + "': refusing " + path + ": " + reason
                + "; it was left untouched (remove it if it is yours and unused)");
    }
}
