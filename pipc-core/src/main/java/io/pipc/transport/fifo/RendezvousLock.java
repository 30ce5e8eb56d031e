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
 *
 * <p>A lock file is what pipc makes and nothing else: created {@code O_EXCL}, or found and then an
 * empty regular file of this user with one name. Its mode is set only on a file this call made.
 */
final class RendezvousLock {

    private static final Logger log = LoggerFactory.getLogger(RendezvousLock.class);

    /** Makes the lock file, failing when anything is at the path: what it opens is then this call's own. */
    private static final Set<OpenFlag> CREATE_NEW = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.CREATE,
            OpenFlag.EXCLUSIVE, OpenFlag.NO_FOLLOW, OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC);
    /** Opens the lock file that is there; never follows a link, never waits (on a FIFO planted there). */
    private static final Set<OpenFlag> EXISTING = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NO_FOLLOW,
            OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC);
    private static final int MODE = 0600;
    /** Each retry means another process released a lock meanwhile; so many in a row means a storm, not a chance. */
    private static final int MAX_RETRIES = 100;

    private final Posix posix;
    private final Path path;
    private final String pipe;
    private final FileStatus locked;
    private int fd;

    private RendezvousLock(Posix posix, Path path, String pipe, int fd, FileStatus locked) {
        this.posix = posix;
        this.path = path;
        this.pipe = pipe;
        this.fd = fd;
        this.locked = locked;
    }

    /**
     * Opens (creating it 0600 when absent) and locks the file, without waiting.
     *
     * @param posix the POSIX calls
     * @param path the lock file
     * @param pipe the rendezvous name, for errors
     * @return the held lock, or null when another open file holds it
     * @throws PipeException when something other than an empty regular file of this user with one
     *         name is at the path
     * @throws PosixException when a call fails unexpectedly
     */
    static @Nullable RendezvousLock tryAcquire(Posix posix, Path path, String pipe) throws PosixException {
        for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
            LockFile file = open(posix, path, pipe);
            if (file == null) {
                continue; // the previous holder removed it between our two opens: make a new one
            }
            boolean keep = false;
            try {
                FileStatus locked = check(posix, file, path, pipe);
                if (!posix.tryLock(file.fd())) {
                    return null;
                }
                FileStatus named = posix.lstat(path);
                if (named != null && named.isSameFile(locked)) {
                    keep = true;
                    return new RendezvousLock(posix, path, pipe, file.fd(), locked);
                }
                // The previous holder unlinked it between our open and our lock: try the new file.
            } finally {
                if (!keep) {
                    closeQuietly(posix, file.fd());
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
     * The lock decides a role only while its file has the name: once the name is gone or names
     * another file, a newcomer makes a new lock file there, locks it and takes the same role.
     *
     * @throws PipeException when the path no longer names the file this process locked
     * @throws PosixException when {@code lstat} fails
     */
    void requireStillNamed() throws PosixException {
        FileStatus now = posix.lstat(path);
        if (now == null) {
            throw FifoTrust.vanished(pipe, path, "while this process held its lock");
        }
        if (!now.isSameFile(locked)) {
            throw FifoTrust.refused(pipe, path, "it replaced the lock file this process held");
        }
    }

    /**
     * Unlinks the file, while its path still names the file that was locked, then lets the lock
     * go. Idempotent; never throws.
     */
    synchronized void release() {
        if (fd < 0) {
            return;
        }
        try {
            if (!posix.unlinkIfSame(path, locked)) {
                log.debug("lock file {} no longer names the file this process locked; left as it is", path);
            }
        } catch (PosixException e) {
            log.debug("could not remove lock file {}: {}", path, e.getMessage());
        }
        closeQuietly(posix, fd);
        fd = -1;
    }

    /** @return the open file, or null when the file there vanished between the two opens */
    private static @Nullable LockFile open(Posix posix, Path path, String pipe) throws PosixException {
        try {
            // Each peer's first try finds the other's file: expected answers, not exceptions.
            int created = posix.open(path, CREATE_NEW, MODE, PosixError.EXISTS);
            if (created >= 0) {
                return new LockFile(created, true);
            }
            int existing = posix.open(path, EXISTING, 0, PosixError.NO_SUCH_FILE);
            return existing >= 0 ? new LockFile(existing, false) : null;
        } catch (PosixException e) {
            if (e.error() == PosixError.SYMLINK) {
                throw FifoTrust.refused(pipe, path, "it is a symbolic link");
            }
            throw e;
        }
    }

    /**
     * A lock file pipc makes is a regular file of this user, with one name, that nobody writes.
     * Anything else was put there by someone: a second name is a hard link (the same file is
     * reachable from elsewhere, so taking it as a lock would chmod and remove what is not ours),
     * and content is somebody's data. Such a file is refused and left as it is.
     */
    private static FileStatus check(Posix posix, LockFile file, Path path, String pipe) throws PosixException {
        FileStatus status = posix.fstat(file.fd());
        if (status.type() != FileType.REGULAR) {
            throw FifoTrust.refused(pipe, path, "it is " + status.type().description() + ", not a lock file");
        }
        if (status.owner() != posix.uid()) {
            throw FifoTrust.refused(pipe, path, "it is a lock file owned by uid " + status.owner()
                    + ", not by this process's user (uid " + posix.uid() + ")");
        }
        if (status.links() > 1) {
            throw FifoTrust.refused(pipe, path, "it is a file with " + status.links()
                    + " names (hard links), not a lock file pipc made");
        }
        if (status.size() != 0) {
            throw FifoTrust.refused(pipe, path, "it is a file of " + status.size()
                    + " bytes, not an empty lock file pipc made");
        }
        if (file.created() && status.permissions() != MODE) {
            // Made by this very call: the umask cleared some of its bits. Set them on the descriptor, which
            // is this new file and nothing else. A lock file found there is used with the mode it has.
            posix.fchmod(file.fd(), MODE);
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

    /** A descriptor of the lock file, and whether this process made the file with it. */
    private record LockFile(int fd, boolean created) {
    }
}
