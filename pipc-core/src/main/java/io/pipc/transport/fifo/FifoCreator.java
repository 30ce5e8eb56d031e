package io.pipc.transport.fifo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixError;
import io.pipc.posix.PosixException;
import io.pipc.transport.Deadline;
import io.pipc.wire.Role;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The side of a rendezvous that holds the creator lock: it replaces stale FIFOs, makes fresh ones,
 * waits for the opener, and removes every name before a byte is sent.
 */
final class FifoCreator {

    private static final Logger log = LoggerFactory.getLogger(FifoCreator.class);

    private final Posix posix;
    private final RendezvousFiles files;
    private final FifoTrust trust;
    private final Deadline deadline;
    private final Supplier<PipeTimeoutException> timeout;

    FifoCreator(Posix posix, RendezvousFiles files, FifoTrust trust, Deadline deadline,
            Supplier<PipeTimeoutException> timeout) {
        this.posix = posix;
        this.files = files;
        this.trust = trust;
        this.deadline = deadline;
        this.timeout = timeout;
    }

    /**
     * @param lock the creator lock, held; released before this returns, whatever happens
     * @return both FIFOs, open, checked and unlinked
     * @throws IOException when a call fails; everything made is removed
     */
    FifoLink create(RendezvousLock lock) throws IOException {
        List<Made> made = new ArrayList<>(2);
        int in = -1;
        int out = -1;
        FileChannel input = null;
        boolean done = false;
        try {
            removeStale(files.toCreator());
            removeStale(files.toOpener());
            RendezvousLock.removeIfAbandoned(posix, files.openerLock(), files.name());
            // to-opener is finished before to-creator exists, so an opener (which starts from
            // to-creator) never meets a to-opener still being made. Its read end is closed at once:
            // while this process reads it, awaitReader would succeed without the opener.
            RendezvousLock.closeQuietly(posix, makeFifo(files.toOpener(), made));
            FileStatus toOpener = made.get(0).status();
            in = makeFifo(files.toCreator(), made);
            log.debug("named pipe '{}': made its FIFOs in {}, waiting for the peer", files.name(), files.directory());

            out = awaitReader(files.toOpener(), made, lock);
            requireSame(trust.opened(out, files.toOpener()), toOpener, files.toOpener());

            // The opener holds both FIFOs now (it opens to-creator before to-opener). Take every name
            // away before a byte is sent, so that no third process can join this pair.
            for (Made fifo : made) {
                if (!posix.unlinkIfSame(fifo.path(), fifo.status())) {
                    log.debug("named pipe '{}': {} no longer names the FIFO this process made; left as it is",
                            files.name(), fifo.path());
                }
            }
            made.clear();
            lock.release();

            int fd = in;
            in = -1;
            input = FifoChannels.reading(posix, fd);
            fd = out;
            out = -1;
            FifoChannels.Output output = FifoChannels.writing(posix, fd);
            done = true;
            return new FifoLink(Role.ACCEPTOR, input, output);
        } finally {
            if (!done) {
                RendezvousLock.closeQuietly(posix, in);
                RendezvousLock.closeQuietly(posix, out);
                if (input != null) {
                    input.close();
                }
                removeQuietly(made);
                lock.release();
            }
        }
    }

    /**
     * Exactly what a creator makes, while we hold the creator lock: its creator died. Not trusted:
     * removed, and only while the path still names what was checked.
     */
    private void removeStale(Path fifo) throws PosixException {
        FileStatus status = posix.lstat(fifo);
        if (status == null) {
            return;
        }
        trust.requireMadeByPipc(status, fifo);
        if (posix.unlinkIfSame(fifo, status)) {
            log.debug("named pipe '{}': removed the stale FIFO {}", files.name(), fifo);
        }
    }

    /**
     * Makes a FIFO and opens its read end, which never waits for a writer. The mode is checked and
     * set on that descriptor, so it reaches the FIFO that was checked, and nothing that a link or a
     * swap may have put at the path since {@code mkfifo}.
     *
     * @return the read descriptor; the caller closes it
     */
    private int makeFifo(Path fifo, List<Made> made) throws PosixException {
        try {
            posix.mkfifo(fifo, FifoTrust.MODE);
        } catch (PosixException e) {
            if (e.error() == PosixError.EXISTS) {
                throw trust.refused(fifo, "something appeared there while this process held the creator lock");
            }
            throw e;
        }
        int fd;
        try {
            fd = trust.open(fifo, FifoTrust.READ);
        } catch (PosixException e) {
            if (e.error() == PosixError.NO_SUCH_FILE) {
                throw trust.vanished(fifo, "right after it was made");
            }
            if (e.error() == PosixError.ACCESS_DENIED) {
                throw unreadable(fifo, made);
            }
            throw e;
        }
        boolean kept = false;
        try {
            FileStatus status = posix.fstat(fd);
            trust.requireMadeByPipc(status, fifo);
            made.add(new Made(fifo, status));
            if (status.permissions() != FifoTrust.MODE) {
                // The umask may clear bits of the mode mkfifo asked for (never add any): set exactly 0600.
                posix.fchmod(fd, FifoTrust.MODE);
            }
            kept = true;
            return fd;
        } finally {
            if (!kept) {
                RendezvousLock.closeQuietly(posix, fd);
            }
        }
    }

    /** The umask took the owner's read bit, so there is no descriptor to set the mode on: say so. */
    private PipeException unreadable(Path fifo, List<Made> made) throws PosixException {
        FileStatus status = posix.lstat(fifo);
        if (status != null && trust.isUnfinished(status)) {
            made.add(new Made(fifo, status)); // removed with the rest
        }
        String mode = status == null ? "" : " (it came out " + FileStatus.octal(status.permissions()) + ")";
        return new PipeException("named pipe '" + files.name() + "': cannot read the FIFO " + fifo
                + " this process just made" + mode + ": the process umask removes the owner's read permission;"
                + " run it with a umask that keeps the owner's bits, such as 077");
    }

    /**
     * The open succeeds once the opener has its read end. While it fails, the paths must still
     * name the lock and the FIFOs this process made: once one is gone or replaced, another
     * creator can start over there, no opener can find this pair any more, and one that already
     * holds part of it would wait for a peer that never comes.
     */
    private int awaitReader(Path fifo, List<Made> made, RendezvousLock lock) throws PosixException {
        Backoff backoff = new Backoff();
        while (true) {
            try {
                return trust.open(fifo, FifoTrust.WRITE);
            } catch (PosixException e) {
                if (e.error() != PosixError.NO_READER && e.error() != PosixError.NO_SUCH_FILE) {
                    throw e;
                }
            }
            lock.requireStillNamed();
            for (Made ours : made) {
                FileStatus now = posix.lstat(ours.path());
                if (now == null) {
                    throw trust.vanished(ours.path(), "while this process waited for the peer");
                }
                if (!now.isSameFile(ours.status())) {
                    throw trust.refused(ours.path(), "it replaced the FIFO this process made while it waited for the peer");
                }
            }
            if (deadline.isExpired()) {
                throw timeout.get();
            }
            backoff.pause(deadline, files.name());
        }
    }

    private void requireSame(FileStatus opened, FileStatus made, Path fifo) {
        if (!opened.isSameFile(made)) {
            throw trust.refused(fifo, "the FIFO this process made was replaced before it was opened");
        }
    }

    private void removeQuietly(List<Made> made) {
        for (Made fifo : made) {
            try {
                posix.unlinkIfSame(fifo.path(), fifo.status());
            } catch (PosixException e) {
                log.debug("named pipe '{}': could not remove {}: {}", files.name(), fifo.path(), e.getMessage());
            }
        }
    }

    /** A FIFO this process made, as it was checked on its descriptor: removed only while its path still names it. */
    private record Made(Path path, FileStatus status) {
    }
}
