package io.pipc.transport.unix;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.pipc.PipeException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;
import io.pipc.transport.Deadline;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive {@code flock} on a socket file's directory, held only while a stale socket file
 * there is replaced. Servers that bind without finding anything in the way never take it: a bind
 * never removes a file, so it cannot harm anyone.
 *
 * <p>Why replacing needs it: two servers that find the same stale file would otherwise both
 * remove it and bind, the second removing the first one's fresh socket and leaving it
 * listening on a name nobody can reach. Under the lock, whoever comes second sees the first
 * one's socket, live, and refuses. The lock is on the directory itself, so no lock file is left
 * behind; it belongs to the open file, so it also separates two threads of one JVM, and dies
 * with the process.
 */
final class DirectoryLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectoryLock.class);

    /** Holders keep it for a few system calls; seconds mean something is wrong. */
    static final Duration PATIENCE = Duration.ofSeconds(5);

    private static final long FIRST_PAUSE = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LONGEST_PAUSE = TimeUnit.MILLISECONDS.toNanos(20);

    private final Posix posix;
    private final int fd;
    private final Path directory;

    private DirectoryLock(Posix posix, int fd, Path directory) {
        this.posix = posix;
        this.fd = fd;
        this.directory = directory;
    }

    /**
     * Waits up to {@link #PATIENCE} for the lock.
     *
     * @param directory a directory already checked
     * @param posix to open and lock it
     * @param subject who asks, for errors: {@code server 'api'}
     * @return the lock, held; close it to release
     * @throws PipeException when it cannot be taken in time, or the thread is interrupted
     */
    static DirectoryLock take(Path directory, Posix posix, String subject) {
        int fd;
        try {
            fd = posix.open(directory, EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NO_FOLLOW, OpenFlag.CLOSE_ON_EXEC));
        } catch (PosixException e) {
            throw new PipeException(subject + ": cannot open directory " + directory + " to lock it: " + e.getMessage(), e);
        }
        DirectoryLock lock = new DirectoryLock(posix, fd, directory);
        try {
            FileStatus status = posix.fstat(fd);
            if (status.type() != FileType.DIRECTORY) {
                throw new PipeException(subject + ": " + directory + " became " + status.type().description()
                        + " while a socket file in it was being replaced");
            }
            Deadline deadline = Deadline.after(PATIENCE);
            long pause = FIRST_PAUSE;
            while (!posix.tryLock(fd)) {
                if (deadline.isExpired()) {
                    throw new PipeException(subject + ": another process has held the lock of directory " + directory
                            + " for " + PATIENCE.toSeconds() + " s while this server waited to replace a stale socket"
                            + " file there; try again, or use another directory");
                }
                LockSupport.parkNanos(Math.min(pause, deadline.remainingNanos()));
                pause = Math.min(pause * 2, LONGEST_PAUSE);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new PipeException(subject + ": interrupted while waiting for the lock of directory " + directory);
                }
            }
            return lock;
        } catch (PosixException e) {
            lock.close();
            throw new PipeException(subject + ": cannot lock directory " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Releases the lock: it dies with the descriptor. */
    @Override
    public void close() {
        try {
            posix.close(fd);
        } catch (PosixException e) {
            log.debug("closing the lock of directory {} failed: {}", directory, e.getMessage());
        }
    }
}
