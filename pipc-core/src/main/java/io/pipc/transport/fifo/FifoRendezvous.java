package io.pipc.transport.fifo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixError;
import io.pipc.posix.PosixException;
import io.pipc.transport.Deadline;
import io.pipc.wire.Role;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two processes that know the same name meet on two FIFOs in the private directory.
 *
 * <ol>
 * <li>Election: whoever takes the {@code flock} of {@code <name>@creator.lock} is the creator;
 * else whoever takes {@code <name>@opener.lock} is the opener; else two others are pairing under
 * this name right now, and this process tries again shortly (it joins the next pair).</li>
 * <li>The creator removes stale FIFOs (exactly a FIFO of this user, mode 0600: left by a creator
 * that died, since no live one exists while we hold the lock) and refuses anything else at their
 * paths, makes fresh ones with {@code mkfifo 0600}, opens its read end, and polls a non-blocking
 * open of its write end, which fails with {@code ENXIO} until the opener has the read end.</li>
 * <li>The opener polls a non-blocking open of {@code to-creator} for writing, which succeeds only
 * once a live creator has its read end, then opens {@code to-opener} for reading, then checks
 * that the creator still reads {@code to-creator} (else it gave up in between, and the
 * {@code to-opener} may be a newer creator's: close both, start over). Opened in this order, the
 * creator's successful open proves that the opener holds both.</li>
 * <li>The creator then unlinks both FIFOs and its lock file before sending a byte. The opener
 * waits until both FIFOs it holds have no name left (so the creator holds both ends, and no
 * newcomer can find them), then unlinks its lock file. Only then do both start the handshake:
 * when either side's {@code Pipes.named} returns, the directory holds nothing of this pair.</li>
 * </ol>
 *
 * <p>Every FIFO is opened {@code O_NOFOLLOW|O_NONBLOCK} and checked with {@code fstat} (a FIFO,
 * ours, 0600) before use. Anything else is refused and left untouched. On a timeout or failure
 * each side removes what it created.
 */
final class FifoRendezvous {

    private static final Logger log = LoggerFactory.getLogger(FifoRendezvous.class);

    private static final int FIFO_MODE = 0600;
    private static final Set<OpenFlag> READ = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.NO_FOLLOW,
            OpenFlag.CLOSE_ON_EXEC);
    private static final Set<OpenFlag> WRITE = EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING,
            OpenFlag.NO_FOLLOW, OpenFlag.CLOSE_ON_EXEC);

    /** Like {@link #WRITE} but on a descriptor's own path, which is a link by nature: no {@code O_NOFOLLOW}. */
    private static final Set<OpenFlag> WRITE_PROBE = EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING,
            OpenFlag.CLOSE_ON_EXEC);

    private final Posix posix;
    private final RendezvousFiles files;
    private final Duration connectTimeout;
    private final String name;
    private final int uid;

    /**
     * @param posix the POSIX calls; must be available
     * @param files the files of the name
     * @param connectTimeout how long the peer may take to arrive, for the timeout's message
     */
    FifoRendezvous(Posix posix, RendezvousFiles files, Duration connectTimeout) {
        this.posix = posix;
        this.files = files;
        this.connectTimeout = connectTimeout;
        this.name = files.name();
        this.uid = posix.uid();
    }

    /**
     * @param deadline when to give up waiting for the peer
     * @return both FIFOs, open and checked; their names and this side's lock file are already gone
     * @throws PipeTimeoutException when no peer arrived in time; nothing is left on disk
     * @throws PipeException when something untrusted is in the way, or a system call fails
     */
    FifoLink meet(Deadline deadline) {
        try {
            Backoff backoff = new Backoff();
            while (true) {
                RendezvousLock creator = RendezvousLock.tryAcquire(posix, files.creatorLock(), name);
                if (creator != null) {
                    return create(creator, deadline);
                }
                RendezvousLock opener = RendezvousLock.tryAcquire(posix, files.openerLock(), name);
                if (opener != null) {
                    return open(opener, deadline);
                }
                if (deadline.isExpired()) {
                    throw timeout();
                }
                backoff.pause(deadline, name);
            }
        } catch (IOException e) {
            throw new PipeException("named pipe '" + name + "' in " + files.directory() + ": " + e.getMessage(), e);
        }
    }

    private FifoLink create(RendezvousLock lock, Deadline deadline) throws IOException {
        List<Path> made = new ArrayList<>(2);
        int in = -1;
        int out = -1;
        FileChannel input = null;
        boolean done = false;
        try {
            removeStale(files.toCreator());
            removeStale(files.toOpener());
            RendezvousLock.removeIfAbandoned(posix, files.openerLock(), name);
            FileStatus toCreator = makeFifo(files.toCreator(), made);
            FileStatus toOpener = makeFifo(files.toOpener(), made);
            in = posix.open(files.toCreator(), READ);
            requireSame(checkOpened(in, files.toCreator()), toCreator, files.toCreator());
            log.debug("named pipe '{}': made its FIFOs in {}, waiting for the peer", name, files.directory());

            out = awaitReader(files.toOpener(), deadline);
            requireSame(checkOpened(out, files.toOpener()), toOpener, files.toOpener());

            // The opener holds both FIFOs now (it opens to-creator before to-opener). Take every name
            // away before a byte is sent, so that no third process can join this pair.
            unlink(made);
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

    private FifoLink open(RendezvousLock lock, Deadline deadline) throws IOException {
        int out = -1;
        int in = -1;
        FileChannel output = null;
        boolean done = false;
        try {
            Backoff backoff = new Backoff();
            while (true) {
                out = awaitCreator(deadline, backoff);
                in = openIfPresent(files.toOpener());
                if (in >= 0) {
                    checkOpened(in, files.toOpener());
                    if (hasReader(out)) {
                        break;
                    }
                }
                // The creator we found gave up between our two opens; wait for the next one.
                RendezvousLock.closeQuietly(posix, in);
                RendezvousLock.closeQuietly(posix, out);
                in = -1;
                out = -1;
                if (deadline.isExpired()) {
                    throw timeout();
                }
                backoff.pause(deadline, name);
            }
            awaitNamesRemoved(out, in, deadline);
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

    /** Creator: the open succeeds once the opener has its read end. */
    private int awaitReader(Path fifo, Deadline deadline) throws PosixException {
        Backoff backoff = new Backoff();
        while (true) {
            try {
                return posix.open(fifo, WRITE);
            } catch (PosixException e) {
                if (e.error() != PosixError.NO_READER) {
                    throw e;
                }
            }
            if (deadline.isExpired()) {
                throw timeout();
            }
            backoff.pause(deadline, name);
        }
    }

    /** Opener: the open succeeds once a live creator has its read end. */
    private int awaitCreator(Deadline deadline, Backoff backoff) throws PosixException {
        Path fifo = files.toCreator();
        while (true) {
            FileStatus planted = posix.lstat(fifo);
            if (planted != null) {
                requireOurFifo(planted, fifo);
            }
            int fd = -1;
            try {
                fd = posix.open(fifo, WRITE);
            } catch (PosixException e) {
                if (e.error() == PosixError.SYMLINK) {
                    throw refused(name, fifo, "it is a symbolic link");
                }
                if (e.error() != PosixError.NO_SUCH_FILE && e.error() != PosixError.NO_READER) {
                    throw e;
                }
            }
            if (fd >= 0) {
                boolean ours = false;
                try {
                    checkOpened(fd, fifo);
                    ours = true;
                    return fd;
                } finally {
                    if (!ours) {
                        RendezvousLock.closeQuietly(posix, fd);
                    }
                }
            }
            if (deadline.isExpired()) {
                throw timeout();
            }
            backoff.pause(deadline, name);
        }
    }

    /**
     * Opener, after opening both FIFOs: whether the creator still reads {@code to-creator}. A
     * creator that gives up closes its descriptors before it removes the names, and a new creator
     * can make FIFOs only after that; so if the first creator still reads, the {@code to-opener}
     * just opened is its own, not a newer creator's. (A name check cannot tell: a creator that
     * goes ahead removes the names at once, just like one that gives up.) A non-blocking write
     * open of the descriptor's own path fails with {@code ENXIO} exactly when nobody reads.
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
     * Opener: the creator removes both names once its write open succeeded, so when both are gone
     * the creator holds both ends, and reading cannot meet an end of stream before it speaks.
     */
    private void awaitNamesRemoved(int out, int in, Deadline deadline) throws PosixException {
        Backoff backoff = new Backoff();
        while (posix.fstat(out).links() != 0 || posix.fstat(in).links() != 0) {
            if (deadline.isExpired()) {
                throw timeout();
            }
            backoff.pause(deadline, name);
        }
    }

    private int openIfPresent(Path fifo) throws PosixException {
        try {
            return posix.open(fifo, READ);
        } catch (PosixException e) {
            if (e.error() == PosixError.NO_SUCH_FILE) {
                return -1;
            }
            if (e.error() == PosixError.SYMLINK) {
                throw refused(name, fifo, "it is a symbolic link");
            }
            throw e;
        }
    }

    private void removeStale(Path fifo) throws PosixException {
        FileStatus status = posix.lstat(fifo);
        if (status == null) {
            return;
        }
        requireOurFifo(status, fifo);
        // Exactly what a creator makes, and we hold the creator lock: its creator died. Not trusted, removed.
        if (posix.unlink(fifo)) {
            log.debug("named pipe '{}': removed the stale FIFO {}", name, fifo);
        }
    }

    private FileStatus makeFifo(Path fifo, List<Path> made) throws PosixException {
        try {
            posix.mkfifo(fifo, FIFO_MODE);
        } catch (PosixException e) {
            if (e.error() == PosixError.EXISTS) {
                throw refused(name, fifo, "something appeared there while this process held the creator lock");
            }
            throw e;
        }
        made.add(fifo);
        FileStatus status = posix.lstat(fifo);
        if (status != null && status.type() == FileType.FIFO && status.owner() == uid
                && status.permissions() != FIFO_MODE) {
            // The umask may clear bits of the mode mkfifo asked for; set exactly 0600.
            posix.chmod(fifo, FIFO_MODE);
            status = posix.lstat(fifo);
        }
        if (status == null) {
            throw refused(name, fifo, "it vanished right after it was made");
        }
        requireOurFifo(status, fifo);
        return status;
    }

    /** fstat of a descriptor just opened: refuses unless it is a FIFO of ours, 0600. The caller closes it. */
    private FileStatus checkOpened(int fd, Path fifo) throws PosixException {
        FileStatus status = posix.fstat(fd);
        requireOurFifo(status, fifo);
        return status;
    }

    private void requireSame(FileStatus opened, FileStatus made, Path fifo) {
        if (!opened.isSameFile(made)) {
            throw refused(name, fifo, "the FIFO this process made was replaced before it was opened");
        }
    }

    private void requireOurFifo(FileStatus status, Path fifo) {
        if (status.type() != FileType.FIFO) {
            throw refused(name, fifo, "it is " + status.type().description() + ", not a FIFO");
        }
        if (status.owner() != uid) {
            throw refused(name, fifo, "it is a FIFO owned by uid " + status.owner() + ", not by this process's user (uid "
                    + uid + ")");
        }
        if (status.permissions() != FIFO_MODE) {
            throw refused(name, fifo, "it is a FIFO with mode " + FileStatus.octal(status.permissions())
                    + ", not 0600");
        }
    }

    private void unlink(List<Path> made) throws PosixException {
        for (Path fifo : made) {
            posix.unlink(fifo);
        }
        made.clear();
    }

    private void unlinkQuietly(List<Path> made) {
        for (Path fifo : made) {
            try {
                posix.unlink(fifo);
            } catch (PosixException e) {
                log.debug("named pipe '{}': could not remove {}: {}", name, fifo, e.getMessage());
            }
        }
    }

    private PipeTimeoutException timeout() {
        return new PipeTimeoutException("named pipe '" + name + "': no peer arrived within " + connectTimeout
                + " (the other process must call Pipes.named(\"" + name + "\") with the same directory, "
                + files.directory() + ")");
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
