package io.pipc.transport.fifo;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import io.pipc.PipeException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a rendezvous trusts: FIFOs opened without following a link or blocking, and only when
 * {@code fstat} shows a FIFO owned by this process's user with mode exactly 0600. Anything else
 * is refused with a {@link PipeException} naming the path and the rule it broke, and is left as
 * it was.
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
     * @param status what {@code lstat} or {@code fstat} said
     * @param fifo its path
     * @throws PipeException unless it is a FIFO of this user with mode 0600
     */
    void requireOurFifo(FileStatus status, Path fifo) {
        if (status.type() != FileType.FIFO) {
            throw refused(fifo, "it is " + status.type().description() + ", not a FIFO");
        }
        if (status.owner() != uid) {
            throw refused(fifo, "it is a FIFO owned by uid " + status.owner() + ", not by this process's user (uid "
                    + uid + ")");
        }
        if (status.permissions() != MODE) {
            throw refused(fifo, "it is a FIFO with mode " + FileStatus.octal(status.permissions()) + ", not 0600");
        }
    }

    /**
     * @param fd a descriptor just opened; the caller closes it whatever happens
     * @param fifo the path it was opened by
     * @return what {@code fstat} says it is
     * @throws PipeException unless it is a FIFO of this user with mode 0600
     * @throws PosixException when {@code fstat} fails
     */
    FileStatus opened(int fd, Path fifo) throws PosixException {
        FileStatus status = posix.fstat(fd);
        requireOurFifo(status, fifo);
        return status;
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
