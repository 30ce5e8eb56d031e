package io.pipc.transport.fifo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.pipc.PipeTimeoutException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
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
        List<Path> made = new ArrayList<>(2);
        int in = -1;
        int out = -1;
        FileChannel input = null;
        boolean done = false;
        try {
            removeStale(files.toCreator());
            removeStale(files.toOpener());
            RendezvousLock.removeIfAbandoned(posix, files.openerLock(), files.name());
            FileStatus toCreator = makeFifo(files.toCreator(), made);
            FileStatus toOpener = makeFifo(files.toOpener(), made);
            in = posix.open(files.toCreator(), FifoTrust.READ);
            requireSame(trust.opened(in, files.toCreator()), toCreator, files.toCreator());
            log.debug("named pipe '{}': made its FIFOs in {}, waiting for the peer", files.name(), files.directory());

            out = awaitReader(files.toOpener());
            requireSame(trust.opened(out, files.toOpener()), toOpener, files.toOpener());

            // The opener holds both FIFOs now (it opens to-creator before to-opener). Take every name
            // away before a byte is sent, so that no third process can join this pair.
            for (Path fifo : made) {
                posix.unlink(fifo);
            }
            made.clear();
            lock.release();

            int fd = in;
            in = -1;
            input = FifoChannels.reading(posix, fd);
            fd = out;
            out = -1;
            FileChannel output = FifoChannels.writing(posix, fd);
            done = true;
            return new FifoLink(Role.ACCEPTOR, input, output);
        } finally {
            if (!done) {
                RendezvousLock.closeQuietly(posix, in);
                RendezvousLock.closeQuietly(posix, out);
                if (input != null) {
                    input.close();
                }
                unlinkQuietly(made);
                lock.release();
            }
        }
    }

    /** Exactly what a creator makes, while we hold the creator lock: its creator died. Not trusted: removed. */
    private void removeStale(Path fifo) throws PosixException {
        FileStatus status = posix.lstat(fifo);
        if (status == null) {
            return;
        }
        trust.requireOurFifo(status, fifo);
        if (posix.unlink(fifo)) {
            log.debug("named pipe '{}': removed the stale FIFO {}", files.name(), fifo);
        }
    }

    private FileStatus makeFifo(Path fifo, List<Path> made) throws PosixException {
        try {
            posix.mkfifo(fifo, FifoTrust.MODE);
        } catch (PosixException e) {
            if (e.error() == PosixError.EXISTS) {
                throw trust.refused(fifo, "something appeared there while this process held the creator lock");
            }
            throw e;
        }
        made.add(fifo);
        FileStatus status = posix.lstat(fifo);
        if (status != null && status.type() == FileType.FIFO && status.owner() == posix.uid()
                && status.permissions() != FifoTrust.MODE) {
            // The umask may clear bits of the mode mkfifo asked for (never add any): set exactly 0600.
            posix.chmod(fifo, FifoTrust.MODE);
            status = posix.lstat(fifo);
        }
        if (status == null) {
            throw trust.refused(fifo, "it vanished right after it was made");
        }
        trust.requireOurFifo(status, fifo);
        return status;
    }

    /** The open succeeds once the opener has its read end. */
    private int awaitReader(Path fifo) throws PosixException {
        Backoff backoff = new Backoff();
        while (true) {
            try {
                return posix.open(fifo, FifoTrust.WRITE);
            } catch (PosixException e) {
                if (e.error() != PosixError.NO_READER) {
                    throw e;
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

    private void unlinkQuietly(List<Path> made) {
        for (Path fifo : made) {
            try {
                posix.unlink(fifo);
            } catch (PosixException e) {
                log.debug("named pipe '{}': could not remove {}: {}", files.name(), fifo, e.getMessage());
            }
        }
    }
}
