package io.pipc.transport.unix;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.pipc.PipeException;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a directory the user chose for a server's socket file (an absolute path) can
 * be trusted: whether anyone but this user and root could replace the socket file, or the
 * directory itself, once the server listens.
 *
 * <p>The rule, for the directory and every directory above it up to {@code /}:
 * <ul>
 * <li>the path is real: no symbolic link anywhere, no {@code .} or {@code ..} (whoever owns a
 * link decides where the socket goes; the error names the real path to use instead);</li>
 * <li>owned by this user or by root;</li>
 * <li>not writable by group or others, unless the sticky bit is set: in a sticky directory
 * ({@code /tmp}) others cannot remove or rename entries they do not own, so the server's file
 * stays its own. What another user can do there is take the name first; then the server
 * refuses to start (the file is not a socket, or a live one, or a stale one of someone else),
 * and a client refuses a server running as another user ({@link PeerPolicy}). Denial, never
 * impersonation.</li>
 * </ul>
 *
 * <p>Unlike the private directory, such a directory may be open to others for reading and
 * searching: that is how a server lets {@link io.pipc.PipeOptions#allowedPeerUsers() other
 * users} reach it.
 */
final class SocketDirectory {

    private static final Logger log = LoggerFactory.getLogger(SocketDirectory.class);

    private static final int ROOT = 0;
    private static final int WRITABLE_BY_GROUP_OR_OTHERS = 0022;
    private static final int STICKY = 01000;

    private SocketDirectory() {
    }

    /**
     * @param directory the directory of a socket file, absolute
     * @param posix to inspect it
     * @param subject who asks, for errors: {@code server 'api'}
     * @throws PipeException when the directory does not exist or breaks a rule above
     */
    static void verify(Path directory, Posix posix, String subject) {
        Path real;
        try {
            real = directory.toRealPath();
        } catch (NoSuchFileException e) {
            throw new PipeException(subject + ": directory " + directory + " does not exist; create it (mode 0700,"
                    + " or 0711 for peers of other users) or use a bare file name for the private directory", e);
        } catch (IOException e) {
            throw new PipeException(subject + ": directory " + directory + " cannot be checked: " + e.getMessage(), e);
        }
        if (!real.equals(directory)) {
            throw refused(subject, directory, "is not a real path: it goes through a symbolic link or holds . or ..;"
                    + " whoever owns a link decides where the socket goes. Use the real path " + real);
        }
        int uid = posix.uid();
        try {
            for (Path each = real; each != null; each = each.getParent()) {
                check(each, posix.lstat(each), uid, subject, directory);
            }
        } catch (PosixException e) {
            throw new PipeException(subject + ": directory " + directory + " cannot be checked: " + e.getMessage(), e);
        }
    }

    private static void check(Path each, @Nullable FileStatus status, int uid, String subject, Path directory) {
        String where = each.equals(directory) ? "" : " (above " + directory + ")";
        if (status == null) {
            throw refused(subject, each, "vanished while it was being checked" + where);
        }
        if (status.type() != FileType.DIRECTORY) {
            throw refused(subject, each, "is " + status.type().description() + ", not a directory" + where);
        }
        if (status.owner() != uid && status.owner() != ROOT) {
            throw refused(subject, each, "is owned by uid " + status.owner() + where + ", who could replace the socket"
                    + " file; use a directory owned by this process's user (uid " + uid + ") or by root");
        }
        if ((status.permissions() & WRITABLE_BY_GROUP_OR_OTHERS) != 0 && (status.permissions() & STICKY) == 0) {
            throw refused(subject, each, "has mode " + FileStatus.octal(status.permissions()) + where + ": group or others"
                    + " may write it without the sticky bit, so they could replace the socket file; run 'chmod go-w "
                    + each + "' or use another directory");
        }
    }

    private static PipeException refused(String subject, Path path, String reason) {
        log.warn("{}: refusing socket directory {}: it {}", subject, path, reason);
        return new PipeException(subject + ": refusing socket directory " + path + ": it " + reason);
    }
}
