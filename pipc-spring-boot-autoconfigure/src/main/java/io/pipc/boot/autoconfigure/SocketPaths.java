package io.pipc.boot.autoconfigure;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * The socket a Unix entry names: its {@code path} as given when absolute; otherwise a bare file
 * name ({@code path}, or {@code <key>.sock} when unset), which the core resolves inside the
 * private directory ({@code pipc.directory}, reaching it as {@code PipeOptions.directory()}),
 * with the rules of SPEC section 8.
 */
final class SocketPaths {

    private SocketPaths() {
    }

    /**
     * @param path the entry's {@code path}, or null
     * @param key the entry's key
     * @return the address to listen on or connect to
     */
    static UnixDomainSocketAddress address(@Nullable Path path, String key) {
        return UnixDomainSocketAddress.of((path != null) ? path : Path.of(key + ".sock"));
    }

    /**
     * @param path an entry's {@code path}
     * @return whether it is something the core accepts: an absolute path, or a single file name
     */
    static boolean isValid(Path path) {
        return path.isAbsolute() || path.getNameCount() == 1;
    }
}
