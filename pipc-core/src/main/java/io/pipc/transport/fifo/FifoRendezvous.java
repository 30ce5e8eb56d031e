package io.pipc.transport.fifo;

import java.io.IOException;
import java.time.Duration;

import io.pipc.PipeException;
import io.pipc.PipeTimeoutException;
import io.pipc.posix.Posix;
import io.pipc.transport.Deadline;

/**
 * Two processes that know the same name meet on two FIFOs in the private directory.
 *
 * <ol>
 * <li>Election: whoever takes the {@code flock} of {@code <name>@creator.lock} is the creator;
 * else whoever takes {@code <name>@opener.lock} is the opener; else two others are pairing under
 * this name right now, and this process tries again shortly (it joins the next pair).</li>
 * <li>The creator removes stale FIFOs (exactly what a creator makes: a FIFO of this user with one
 * name and no permission beyond 0600, left by a creator that died, since no live one exists while
 * we hold the lock) and refuses anything else at their paths, makes fresh ones with
 * {@code mkfifo 0600} (setting the mode on their descriptors where the umask narrowed it), opens
 * its read end, and polls a non-blocking open of its write end, which fails with {@code ENXIO}
 * until the opener has the read end. Between polls its lock file and FIFOs must still be at their
 * paths.</li>
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
 * ours, one name, 0600) before use: {@link FifoTrust}. Anything else is refused and left
 * untouched. On a timeout or failure each side ({@link FifoCreator}, {@link FifoOpener}) removes
 * what it created, and only while its path still names it ({@code Posix.unlinkIfSame}).
 */
final class FifoRendezvous {

    private final Posix posix;
    private final RendezvousFiles files;
    private final Duration connectTimeout;
    private final FifoTrust trust;

    /**
     * @param posix the POSIX calls; must be available
     * @param files the files of the name
     * @param connectTimeout how long the peer may take to arrive, for the timeout's message
     */
    FifoRendezvous(Posix posix, RendezvousFiles files, Duration connectTimeout) {
        this.posix = posix;
        this.files = files;
        this.connectTimeout = connectTimeout;
        this.trust = new FifoTrust(posix, files.name());
    }

    /**
     * @param deadline when to give up waiting for the peer
     * @return both FIFOs, open and checked; their names and this side's lock file are already gone
     * @throws PipeTimeoutException when no peer arrived in time; nothing is left on disk
     * @throws PipeException when something untrusted is in the way, or a system call fails
     */
    FifoLink meet(Deadline deadline) {
        String name = files.name();
        try {
            Backoff backoff = new Backoff();
            while (true) {
                RendezvousLock creator = RendezvousLock.tryAcquire(posix, files.creatorLock(), name);
                if (creator != null) {
                    return new FifoCreator(posix, files, trust, deadline, this::timeout).create(creator);
                }
                RendezvousLock opener = RendezvousLock.tryAcquire(posix, files.openerLock(), name);
                if (opener != null) {
                    return new FifoOpener(posix, files, trust, deadline, this::timeout).open(opener);
                }
                // Two others are pairing under this name right now: join the next pair.
                if (deadline.isExpired()) {
                    throw timeout();
                }
                backoff.pause(deadline, name);
            }
        } catch (IOException e) {
            throw new PipeException("named pipe '" + name + "' in " + files.directory() + ": " + e.getMessage(), e);
        }
    }

    private PipeTimeoutException timeout() {
        String name = files.name();
        return new PipeTimeoutException("named pipe '" + name + "': no peer arrived within " + connectTimeout
                + " (the other process must call Pipes.named(\"" + name + "\") with the same directory, "
                + files.directory() + ")");
    }
}
