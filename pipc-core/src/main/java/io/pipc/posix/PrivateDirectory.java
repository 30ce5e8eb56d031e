package io.pipc.posix;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import io.pipc.PipeException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory where FIFOs and socket files live (SPEC section 8): {@code $XDG_RUNTIME_DIR/pipc}
 * when that variable is set, else {@code <java.io.tmpdir>/pipc-<uid>}, or the directory the
 * options name.
 *
 * <p>It is created mode 0700 when absent (only its last component: the parent must exist), and
 * whether created or found it must be a real directory (not a symbolic link), owned by this
 * process's user, and closed to group and others ({@code mode & 077 == 0}); otherwise it is
 * refused with a {@link PipeException} that says which rule failed and what to do. A directory
 * given in the options gets exactly the same checks as the default: a user who points pipc at
 * a shared directory gets an error, not a silently weaker guarantee.
 *
 * <p>These rules are what make the files inside trustworthy: nobody but this user (and root)
 * can create, replace or rename anything in the directory, so a file checked there stays what
 * it was.
 */
public final class PrivateDirectory {

    private static final Logger log = LoggerFactory.getLogger(PrivateDirectory.class);

    private static final int PRIVATE = 0700;
    /** Opens the directory itself, never a link or anything else found at its path. */
    private static final Set<OpenFlag> DIRECTORY = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.DIRECTORY,
            OpenFlag.NO_FOLLOW, OpenFlag.CLOSE_ON_EXEC);

    private final Path path;

    private PrivateDirectory(Path path) {
        this.path = path;
    }

    /**
     * Creates or verifies the directory.
     *
     * @param configured the directory from {@code PipeOptions.directory()}, or null for the default
     * @param posix the POSIX calls to check ownership and mode with
     * @return the verified directory
     * @throws PipeException when it cannot be created, or is a symbolic link, not a directory,
     *         not owned by this user, or open to group or others
     */
    public static PrivateDirectory open(@Nullable Path configured, Posix posix) {
        Path path = configured != null ? configured.toAbsolutePath()
                : defaultLocation(System.getenv(), System.getProperty("java.io.tmpdir"), posix.uid());
        try {
            createIfAbsent(path, posix);
            verify(path, posix);
        } catch (PosixException e) {
            throw new PipeException("private directory " + path + " cannot be checked: " + e.getMessage(), e);
        }
        return new PrivateDirectory(path);
    }

    /**
     * @param environment the process environment
     * @param tmpdir the value of {@code java.io.tmpdir}
     * @param uid this process's user id
     * @return {@code $XDG_RUNTIME_DIR/pipc} when that is set to an absolute path, else {@code <tmpdir>/pipc-<uid>}
     */
    static Path defaultLocation(Map<String, String> environment, String tmpdir, int uid) {
        String runtime = environment.get("XDG_RUNTIME_DIR");
        // The XDG specification says to ignore a relative value.
        if (runtime != null && !runtime.isEmpty() && Path.of(runtime).isAbsolute()) {
            return Path.of(runtime, "pipc");
        }
        return Path.of(tmpdir).toAbsolutePath().resolve("pipc-" + uid);
    }

    /**
     * @return the directory, absolute
     */
    public Path path() {
        return path;
    }

    /**
     * @param fileName a single file name, no separators
     * @return that file in this directory
     */
    public Path resolve(String fileName) {
        return path.resolve(fileName);
    }

    @Override
    public String toString() {
        return path.toString();
    }

    private static void createIfAbsent(Path path, Posix posix) throws PosixException {
        if (posix.lstat(path) != null) {
            return;
        }
        try {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            return; // another process made it first; verify() judges it
        } catch (NoSuchFileException e) {
            throw new PipeException("private directory " + path + " cannot be created: its parent does not exist"
                    + " (create the parent, or set PipeOptions.directory)", e);
        } catch (IOException | UnsupportedOperationException e) {
            throw new PipeException("private directory " + path + " cannot be created: " + e.getMessage(), e);
        }
        restoreMode(path, posix);
        log.debug("created private directory {}", path);
    }

    /**
     * The umask may have cleared some of our own bits of the directory just made (never added any):
     * restore 0700 on a descriptor of it, so that the mode goes to the directory that was checked,
     * never through a link or to whatever replaced it at the path meanwhile. Anything else found
     * there is left to {@link #verify} to refuse. A umask that took the owner's read bit leaves no
     * way to open it: it stays as made, still closed to group and others.
     */
    private static void restoreMode(Path path, Posix posix) throws PosixException {
        int fd;
        try {
            fd = posix.open(path, DIRECTORY);
        } catch (PosixException e) {
            if (e.error() == PosixError.SYMLINK || e.error() == PosixError.NOT_DIRECTORY
                    || e.error() == PosixError.NO_SUCH_FILE || e.error() == PosixError.ACCESS_DENIED) {
                return;
            }
            throw e;
        }
        try {
            FileStatus created = posix.fstat(fd);
            if (created.type() == FileType.DIRECTORY && created.owner() == posix.uid()
                    && created.permissions() != PRIVATE && (created.permissions() & ~PRIVATE) == 0) {
                posix.fchmod(fd, PRIVATE);
            }
        } finally {
            posix.close(fd);
        }
    }

    private static void verify(Path path, Posix posix) throws PosixException {
        FileStatus status = posix.lstat(path);
        if (status == null) {
            throw refused(path, "vanished while it was being checked");
        }
        if (status.type() == FileType.SYMLINK) {
            throw refused(path, "is a symbolic link; pipc only uses a real directory"
                    + " (remove the link, or set PipeOptions.directory to a private directory)");
        }
        if (status.type() != FileType.DIRECTORY) {
            throw refused(path, "is " + status.type().description() + ", not a directory (remove it,"
                    + " or set PipeOptions.directory to a private directory)");
        }
        int uid = posix.uid();
        if (status.owner() != uid) {
            throw refused(path, "is owned by uid " + status.owner() + ", not by this process's user (uid " + uid
                    + "); someone else could replace the files in it (set PipeOptions.directory to a directory of yours)");
        }
        if ((status.permissions() & 077) != 0) {
            throw refused(path, "has mode " + FileStatus.octal(status.permissions())
                    + ", open to group or others; run 'chmod 700 " + path + "' or choose another directory");
        }
    }

    private static PipeException refused(Path path, String reason) {
        log.warn("refusing private directory {}: {}", path, reason);
        return new PipeException("private directory " + path + " refused: it " + reason);
    }
}
