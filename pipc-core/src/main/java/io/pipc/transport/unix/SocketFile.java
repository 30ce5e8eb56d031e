package io.pipc.transport.unix;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

import io.pipc.PipeException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file a server listens on: bound without harming anything already there, made
 * exactly the mode asked for, and removed on close only while it is still this server's.
 *
 * <p>What a bind may find at its path:
 * <ul>
 * <li>nothing: it binds.</li>
 * <li>a socket nobody listens on (a connect is refused), left by a server that died, owned by
 * this user: it is removed and replaced, under the {@link DirectoryLock}.</li>
 * <li>a socket somebody listens on: refused, "address in use".</li>
 * <li>a stale socket of another user, or anything that is not a socket (a regular file, a
 * symbolic link, a directory, a FIFO): refused and left untouched.</li>
 * </ul>
 *
 * <p>The mode: {@code bind(2)} creates the file with {@code 0777 & ~umask}; it is then set to
 * the mode asked for through a descriptor of the file the bind made ({@link Posix#chmodIfSame})
 * and checked with {@code lstat}, without touching the
 * process-wide umask. Until then the file is no more open than the umask allows, in a directory
 * {@link SocketDirectory} or the private directory vouched for, and every connection still goes
 * through the {@link PeerPolicy} check.
 *
 * <p>Its identity (device and inode) is noted after the bind; {@link #remove()} unlinks the
 * path only if it still names that file, so a server never removes a successor's socket.
 */
final class SocketFile {

    private static final Logger log = LoggerFactory.getLogger(SocketFile.class);

    private static final int BACKLOG = 1024;
    /** Each attempt ends with a bind or an error, unless the path changed meanwhile; three changes are no accident. */
    private static final int ATTEMPTS = 3;

    private final Path path;
    private final FileStatus bound;
    private final Posix posix;
    private final String subject;

    private SocketFile(Path path, FileStatus bound, Posix posix, String subject) {
        this.path = path;
        this.bound = bound;
        this.posix = posix;
        this.subject = subject;
    }

    /**
     * Binds and listens on {@code path}, replacing a stale socket file of this user.
     *
     * @param listener an unbound Unix domain server socket
     * @param path the socket file, absolute, in a directory already checked
     * @param mode the socket file's permission bits, e.g. {@code 0600}
     * @param posix to inspect, lock, remove and chmod
     * @param subject who asks, for errors: {@code server 'api'}
     * @return the bound file
     * @throws PipeException when something in the way is refused, or binding fails
     */
    static SocketFile bind(ServerSocketChannel listener, Path path, int mode, Posix posix, String subject) {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(path);
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                if (tryBind(listener, address) || replaceStale(listener, address, posix, subject)) {
                    return claim(path, mode, posix, subject);
                }
            }
        } catch (PosixException e) {
            throw new PipeException(subject + ": cannot check socket file " + path + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new PipeException(subject + ": cannot listen on " + path + ": " + e.getMessage(), e);
        }
        throw new PipeException(subject + ": cannot listen on " + path + ": the file there changed " + ATTEMPTS
                + " times while this server tried to bind; is another program creating and removing it?");
    }

    /** @return false when something is at the path */
    private static boolean tryBind(ServerSocketChannel listener, UnixDomainSocketAddress address) throws IOException {
        try {
            listener.bind(address, BACKLOG);
            return true;
        } catch (BindException inUse) {
            return false;
        }
    }

    /**
     * Judges what is at the path, and replaces it when it is a stale socket of ours.
     *
     * @return true when bound; false when the path changed meanwhile and the caller should start over
     */
    private static boolean replaceStale(ServerSocketChannel listener, UnixDomainSocketAddress address, Posix posix,
            String subject) throws IOException {
        Path path = address.getPath();
        FileStatus found = posix.lstat(path);
        if (found == null) {
            return false;
        }
        requireStaleOfOurs(path, found, posix, subject);
        try (DirectoryLock lock = DirectoryLock.take(path.getParent(), posix, subject)) {
            FileStatus again = posix.lstat(path);
            if (again != null) {
                if (!again.isSameFile(found)) {
                    return false;
                }
                // Under the lock only a server that binds without it can act, and a bind never removes.
                requireStaleOfOurs(path, again, posix, subject);
                if (!posix.unlinkIfSame(path, again)) {
                    return false;
                }
                log.info("{}: removed stale socket file {} (nobody listened on it)", subject, path);
            }
            return tryBind(listener, address);
        }
    }

    private static void requireStaleOfOurs(Path path, FileStatus found, Posix posix, String subject) {
        if (found.type() != FileType.SOCKET) {
            throw refused(subject, path, "it is " + found.describe() + ", not a socket; pipc leaves it untouched."
                    + " Remove it yourself if it is not needed, or choose another path");
        }
        String listening = whoListens(path);
        if (listening != null) {
            throw new PipeException(subject + ": address in use: another server listens on " + path + listening
                    + "; stop it, or choose another path");
        }
        int uid = posix.uid();
        if (found.owner() != uid) {
            throw refused(subject, path, "it is a stale socket (nobody listens on it) owned by uid " + found.owner()
                    + "; pipc replaces only stale sockets of its own user (uid " + uid + ") and leaves this one"
                    + " untouched. Remove it yourself, or choose another path");
        }
    }

    /**
     * @return null when a connect is refused (a stale socket); else why the path counts as in use
     */
    private static @Nullable String whoListens(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Non-blocking: a listener whose backlog is full would make a blocking connect wait.
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
            return "";
        } catch (ConnectException refused) {
            return null;
        } catch (IOException e) {
            // Only a refused connect proves that nobody listens; a full backlog, for one, does not.
            return " (a connect to it failed with '" + e.getMessage() + "', not with 'connection refused')";
        }
    }

    /** Makes the freshly bound file the mode asked for, and notes which file it is. */
    private static SocketFile claim(Path path, int mode, Posix posix, String subject) throws IOException {
        int uid = posix.uid();
        FileStatus made = posix.lstat(path);
        if (made == null || made.type() != FileType.SOCKET || made.owner() != uid) {
            throw new PipeException(subject + ": socket file " + path + " is not what the bind made: "
                    + (made == null ? "it vanished" : "it is " + made.describe()) + "; another process is interfering");
        }
        // Through a descriptor of the file the bind made: a link or file swapped in meanwhile is never touched.
        boolean changed = posix.chmodIfSame(path, made, mode);
        FileStatus set = posix.lstat(path);
        if (!changed || set == null || !set.isSameFile(made) || set.permissions() != mode) {
            posix.unlinkIfSame(path, made);
            throw new PipeException(subject + ": socket file " + path + " did not take mode " + FileStatus.octal(mode)
                    + ": it is " + (set == null ? "gone" : set.describe())
                    + (changed ? "" : "; it was replaced after the bind, and what replaced it was left alone"));
        }
        return new SocketFile(path, set, posix, subject);
    }

    /**
     * @return the file's path
     */
    Path path() {
        return path;
    }

    /**
     * @return this process's user as the JDK names users: the owner of the file it just bound,
     *         comparable with the principals of {@code SO_PEERCRED}
     * @throws IOException when the file cannot be read
     */
    UserPrincipal owner() throws IOException {
        return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Removes the socket file if the path still names the file this server bound. Call it while
     * the server still listens: then nobody can take the file for stale and replace it meanwhile.
     */
    void remove() {
        try {
            if (!posix.unlinkIfSame(path, bound)) {
                log.debug("{}: leaving {} alone: it is no longer the socket this server bound", subject, path);
            }
        } catch (PosixException e) {
            log.warn("{}: could not remove socket file {}: {}", subject, path, e.getMessage());
        }
    }

    private static PipeException refused(String subject, Path path, String reason) {
        log.warn("{}: refusing socket file {}: {}", subject, path, reason);
        return new PipeException(subject + ": refusing socket file " + path + ": " + reason);
    }
}
