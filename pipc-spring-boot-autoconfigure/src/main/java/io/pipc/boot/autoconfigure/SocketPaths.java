package io.pipc.boot.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Where a Unix socket entry's file is: its {@code path}, resolved against the pipc directory
 * when relative, or {@code <key>.sock} in that directory when unset. The directory is
 * {@code pipc.directory}, else the private default of SPEC section 8:
 * {@code $XDG_RUNTIME_DIR/pipc}, else {@code <java.io.tmpdir>/pipc-<uid>}, made 0700 when
 * missing and refused when it is a link, not ours, or open to others.
 *
 * <p>A stand-in: the core owns that directory's rules ({@code PipeOptions.directory()}), and
 * this class should ask it (a public way to resolve a socket name in the private directory)
 * once there is one.
 */
final class SocketPaths {

    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private SocketPaths() {
    }

    /**
     * @param configuredDirectory {@code pipc.directory}, or null for the private default
     * @param path the entry's {@code path}, or null
     * @param key the entry's key
     * @return the socket file
     */
    static Path resolve(@Nullable Path configuredDirectory, @Nullable Path path, String key) {
        if (path != null && path.isAbsolute()) {
            return path;
        }
        Path directory = (configuredDirectory != null) ? configuredDirectory : privateDirectory();
        return directory.resolve((path != null) ? path : Path.of(key + ".sock"));
    }

    /**
     * Makes the directories a server's socket file goes in, private, when they are missing.
     *
     * @param socket the socket file
     * @return the socket file
     */
    static Path withParents(Path socket) {
        Path parent = socket.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PRIVATE));
            }
            catch (IOException ex) {
                throw new UncheckedIOException("cannot make the directory " + parent + " for socket " + socket, ex);
            }
        }
        return socket;
    }

    private static Path privateDirectory() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path directory = (runtime != null && !runtime.isBlank()) ? Path.of(runtime, "pipc")
                : Path.of(System.getProperty("java.io.tmpdir"), "pipc-" + uid());
        try {
            if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PRIVATE));
            }
            if (Files.isSymbolicLink(directory) || !Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException("pipc directory " + directory + " is not a directory (or is a link);"
                        + " remove it or set pipc.directory");
            }
            if (!Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS).equals(PRIVATE)) {
                throw new IllegalStateException("pipc directory " + directory + " is open to others ("
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS))
                        + "); make it rwx------ or set pipc.directory");
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot prepare the pipc directory " + directory, ex);
        }
        return directory;
    }

    private static long uid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }
}
