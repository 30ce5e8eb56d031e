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

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive {@code flock} on a lock file of the private directory, which decides a role in
 * a rendezvous. The lock belongs to this open file, so it conflicts even with another thread of
 * this JVM, and it dies with the process: a crashed holder leaves at worst an unlocked file,
 * which the next process simply locks.
 *
 * <p>The holder {@linkplain #release() releases} by unlinking the file and then closing it. A
 * contender that opened the file before the unlink and locks it after the close holds a lock
 * on a file that no longer has the name; it notices (the path no longer names the inode it
 * locked) and tries again, on the new file.
 */
final class RendezvousLock {

    private static final Logger log = LoggerFactory.getLogger(RendezvousLock.class);

    private static final Set<OpenFlag> FLAGS = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.CREATE, OpenFlag.NO_FOLLOW,
            OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC);
    private static final int MODE = 0600;
    /** Each retry means another process released a lock meanwhile; so many in a row means a storm, not a chance. */
    private static final int MAX_RETRIES = 100;

    private final Posix posix;
    private final Path path;
    private int fd;

    private RendezvousLock(Posix posix, Path path, int fd) {
        this.posix = posix;
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens (creating it 0600 when absent) and locks the file, without waiting.
     *
     * @param posix the POSIX calls
     * @param path the lock file
     * @param pipe the rendezvous name, for errors
     * @return the held lock, or null when another open file holds it
     * @throws PipeException when something other than a regular file of this user is at the path
     * @throws PosixException when a call fails unexpectedly
     */
    static @Nullable RendezvousLock tryAcquire(Posix posix, Path path, String pipe) throws PosixException {
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            int fd = open(posix, path, pipe);
            boolean keep = false;
            try {
                FileStatus locked = check(posix, fd, path, pipe);
                if (!posix.tryLock(fd)) {
                    return null;
                }
                FileStatus named = posix.lstat(path);
                if (named != null && named.isSameFile(locked)) {
                    keep = true;
                    return new RendezvousLock(posix, path, fd);
                }
                // The previous holder unlinked it between our open and our lock: try the new file.
            } finally {
                if (!keep) {
                    closeQuietly(posix, fd);
                }
            }
        }
        return null;
    }

    /**
     * Removes a lock file that nobody holds (left by a process that died holding it), so that
     * nothing stays behind; leaves a held one alone.
     *
     * @param posix the POSIX calls
     * @param path the lock file
     * @param pipe the rendezvous name, for errors
     * @throws PosixException when a call fails unexpectedly
     */
    static void removeIfAbandoned(Posix posix, Path path, String pipe) throws PosixException {
        if (posix.lstat(path) == null) {
            return;
        }
        RendezvousLock abandoned = tryAcquire(posix, path, pipe);
        if (abandoned != null) {
            log.debug("named pipe '{}': removing the abandoned lock file {}", pipe, path);
            abandoned.release();
        }
    }

    /**
     * Unlinks the file, then lets the lock go. Idempotent; never throws.
     */
    synchronized void release() {
        if (fd < 0) {
            return;
        }
        try {
            posix.unlink(path);
        } catch (PosixException e) {
            log.debug("could not remove lock file {}: {}", path, e.getMessage());
        }
        closeQuietly(posix, fd);
        fd = -1;
    }

    private static int open(Posix posix, Path path, String pipe) throws PosixException {
        try {
            return posix.open(path, FLAGS, MODE);
        } catch (PosixException e) {
            if (e.error() == PosixError.SYMLINK) {
                throw FifoTrust.refused(pipe, path, "it is a symbolic link");
            }
            if (e.error() == PosixError.IS_DIRECTORY) {
                throw FifoTrust.refused(pipe, path, "it is a directory");
            }
            throw e;
        }
    }

    private static FileStatus check(Posix posix, int fd, Path path, String pipe) throws PosixException {
        FileStatus status = posix.fstat(fd);
        if (status.type() != FileType.REGULAR) {
            throw FifoTrust.refused(pipe, path, "it is " + status.type().description() + ", not a lock file");
        }
        if (status.owner() != posix.uid()) {
            throw FifoTrust.refused(pipe, path, "it is a lock file owned by uid " + status.owner()
                    + ", not by this process's user (uid " + posix.uid() + ")");
        }
        if (status.permissions() != MODE) {
            // Ours and in our private directory: the umask narrowed it, or an older pipc made it; set it right.
            posix.fchmod(fd, MODE);
        }
        return status;
    }

    static void closeQuietly(Posix posix, int fd) {
        if (fd < 0) {
            return;
        }
        try {
            posix.close(fd);
        } catch (PosixException e) {
            log.debug("closing descriptor {} failed: {}", fd, e.getMessage());
        }
    }
}
