package io.pipc.transport.fifo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;

import io.pipc.PipeTimeoutException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixError;
import io.pipc.posix.PosixException;
import io.pipc.transport.Deadline;
import io.pipc.wire.Role;

/**
 * The side of a rendezvous that holds the opener lock: it waits for a live creator, opens the
 * FIFOs the other way round, and lets its lock go once the creator has removed their names.
 */
final class FifoOpener {

    /** A write probe on a descriptor's own path, which is a link by nature: no {@code O_NOFOLLOW}. */
    private static final Set<OpenFlag> WRITE_PROBE = EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING,
            OpenFlag.CLOSE_ON_EXEC);

    private final Posix posix;
    private final RendezvousFiles files;
    private final FifoTrust trust;
    private final Deadline deadline;
    private final Supplier<PipeTimeoutException> timeout;

    FifoOpener(Posix posix, RendezvousFiles files, FifoTrust trust, Deadline deadline,
            Supplier<PipeTimeoutException> timeout) {
        this.posix = posix;
        this.files = files;
        this.trust = trust;
        this.deadline = deadline;
        this.timeout = timeout;
    }

    /**
     * @param lock the opener lock, held; released before this returns, whatever happens
     * @return both FIFOs, open and checked; the creator has unlinked them
     * @throws IOException when a call fails
     */
    FifoLink open(RendezvousLock lock) throws IOException {
        int out = -1;
        int in = -1;
        FifoChannels.Output output = null;
        boolean done = false;
        try {
            Backoff backoff = new Backoff();
            while (true) {
                out = awaitCreator(backoff, lock);
                in = openIfPresent(files.toOpener());
                if (in >= 0) {
                    trust.opened(in, files.toOpener());
                    if (hasReader(out)) {
                        break;
                    }
                }
                // The creator we found gave up between our two opens; wait for the next one.
                RendezvousLock.closeQuietly(posix, in);
                RendezvousLock.closeQuietly(posix, out);
                in = -1;
                out = -1;
                pauseOrTimeOut(backoff, lock);
            }
            awaitNamesRemoved(out, in, lock);
            // The names are gone, so no newcomer can find this pair's FIFOs: the next opener may go ahead.
            lock.release();
            int fd = out;
            out = -1;
            output = FifoChannels.writing(posix, fd);
            fd = in;
            in = -1;
            FileChannel input = FifoChannels.reading(posix, fd);
            done = true;
            return new FifoLink(Role.CONNECTOR, input, output);
        } finally {
            if (!done) {
                RendezvousLock.closeQuietly(posix, out);
                RendezvousLock.closeQuietly(posix, in);
                if (output != null) {
                    output.close();
                }
                lock.release();
            }
        }
    }

    /**
     * The open succeeds once a live creator has its read end; anything untrusted in the way is
     * refused at once. A FIFO the creator has made but not yet set to 0600 (its umask cleared a
     * bit) is waited for: the creator sets the mode right after it opens its read end.
     */
    private int awaitCreator(Backoff backoff, RendezvousLock lock) throws PosixException {
        Path fifo = files.toCreator();
        while (true) {
            FileStatus planted = posix.lstat(fifo);
            if (planted != null && !trust.isUnfinished(planted)) {
                trust.requireOurFifo(planted, fifo);
                int fd = openIfReady(fifo);
                if (fd >= 0) {
                    boolean ours = false;
                    try {
                        // Root may open a FIFO whose mode is not set yet (a new creator's, made since the lstat).
                        FileStatus opened = posix.fstat(fd);
                        if (!trust.isUnfinished(opened)) {
                            trust.requireOurFifo(opened, fifo);
                            ours = true;
                            return fd;
                        }
                    } finally {
                        if (!ours) {
                            RendezvousLock.closeQuietly(posix, fd);
                        }
                    }
                }
            }
            pauseOrTimeOut(backoff, lock);
        }
    }

    /** -1 while no creator reads it, or it is gone again, or still being made (no write permission yet). */
    private int openIfReady(Path fifo) throws PosixException {
        try {
            return trust.open(fifo, FifoTrust.WRITE);
        } catch (PosixException e) {
            if (e.error() == PosixError.NO_SUCH_FILE || e.error() == PosixError.NO_READER
                    || e.error() == PosixError.ACCESS_DENIED) {
                return -1;
            }
            throw e;
        }
    }

    private int openIfPresent(Path fifo) throws PosixException {
        try {
            return trust.open(fifo, FifoTrust.READ);
        } catch (PosixException e) {
            if (e.error() == PosixError.NO_SUCH_FILE) {
                return -1;
            }
            throw e;
        }
    }

    /**
     * Whether the creator still reads {@code to-creator}. A creator that gives up closes its
     * descriptors before it removes the names, and a new creator can make FIFOs only after that;
     * so if the first creator still reads, the {@code to-opener} just opened is its own, not a
     * newer creator's. (A name check cannot tell: a creator that goes ahead removes the names at
     * once, just like one that gives up.) A non-blocking write open of the descriptor's own path
     * fails with {@code ENXIO} exactly when nobody reads.
     */
    private boolean hasReader(int out) throws PosixException {
        try {
            RendezvousLock.closeQuietly(posix, posix.open(posix.descriptorPath(out), WRITE_PROBE));
            return true;
        } catch (PosixException e) {
            if (e.error() == PosixError.NO_READER) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The creator removes both names once its write open succeeded, so when both are gone the
     * creator holds both ends, and reading cannot meet an end of stream before it speaks.
     */
    private void awaitNamesRemoved(int out, int in, RendezvousLock lock) throws PosixException {
        Backoff backoff = new Backoff();
        while (posix.fstat(out).links() != 0 || posix.fstat(in).links() != 0) {
            pauseOrTimeOut(backoff, lock);
        }
    }

    /** Between polls: still the opener (the lock file still has its name), and still in time. */
    private void pauseOrTimeOut(Backoff backoff, RendezvousLock lock) throws PosixException {
        lock.requireStillNamed();
        if (deadline.isExpired()) {
            throw timeout.get();
        }
        backoff.pause(deadline, files.name());
    }
}
