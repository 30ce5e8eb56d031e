package io.pipc.transport.unix;

import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.posix.Posix;
import io.pipc.posix.PrivateDirectory;

/**
 * Where the socket file of a Unix socket address is. A bare file name, such as
 * {@code UnixDomainSocketAddress.of("api.sock")}, names a file in the private directory
 * ({@link PipeOptions#directory()} or the default of SPEC section 8), for servers and clients
 * alike, so that two processes of one user meet on it without agreeing on a path. An absolute
 * path is used as given. Anything else (a relative path with directories, {@code ..}, an empty
 * path) is refused: it would depend on the working directory.
 *
 * @param file the socket file, absolute
 * @param inPrivateDirectory whether it is in the private directory (a bare name was given)
 */
record SocketPath(Path file, boolean inPrivateDirectory) {

    /** The same names as named pipes: short, portable, no separators. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /** {@code sun_path} holds 108 bytes on Linux, the last of them the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;

    /**
     * @param address as the user gave it
     * @param options the private directory's location
     * @param posix to create and check the private directory
     * @param subject who asks, for errors: {@code server 'api'} or {@code pipe 'client'}
     * @return the socket file
     * @throws PipeException when the address is neither a bare name nor absolute, is too long,
     *         or the private directory cannot be trusted
     */
    static SocketPath of(UnixDomainSocketAddress address, PipeOptions options, Posix posix, String subject) {
        Path given = address.getPath();
        String text = given.toString();
        SocketPath resolved;
        if (text.isEmpty()) {
            throw new PipeException(subject + ": a Unix socket address needs a path (was empty); give a file name such as"
                    + " UnixDomainSocketAddress.of(\"api.sock\") to use the private directory, or an absolute path");
        } else if (given.isAbsolute()) {
            directoryOf(given);
            resolved = new SocketPath(given, false);
        } else if (NAME.matcher(text).matches() && !text.equals(".") && !text.equals("..")) {
            resolved = new SocketPath(PrivateDirectory.open(options.directory(), posix).resolve(text), true);
        } else {
            throw new PipeException(subject + ": Unix socket address '" + text + "' is relative but not a plain file name;"
                    + " a relative name means a file in the private directory and must be 1 to 100 characters of"
                    + " [A-Za-z0-9._-]; give an absolute path to put the socket elsewhere");
        }
        int length = resolved.file.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_PATH_BYTES) {
            throw new PipeException(subject + ": socket path " + resolved.file + " is " + length + " bytes long, and the"
                    + " system allows at most " + MAX_PATH_BYTES + "; use a shorter name, or a directory nearer the root"
                    + (resolved.inPrivateDirectory ? " (PipeOptions.directory)" : ""));
        }
        return resolved;
    }

    /**
     * @param file a socket file, absolute
     * @return the directory that holds it
     * @throws PipeException when the path is the root, which no socket file can be
     */
    static Path directoryOf(Path file) {
        Path parent = file.getParent();
        if (parent == null) {
            throw new PipeException("socket path " + file + " names no file; give a file in a directory, such as /run/app/api.sock");
        }
        return parent;
    }

    /**
     * @return the address to bind or connect to
     */
    UnixDomainSocketAddress address() {
        return UnixDomainSocketAddress.of(file);
    }
}
