/**
 * Unix domain socket pipes: servers and their clients ({@code Pipes.server},
 * {@code Pipes.connect} with a {@link java.net.UnixDomainSocketAddress}) on the NIO engine of
 * {@code io.pipc.transport.socket}, for many clients of one server on one host.
 *
 * <p>What this package adds to the engine is trust in the file system and in the peer: where a
 * socket file goes (a bare name in the private directory, or an absolute path in a directory
 * nobody else can change), how it is bound (owner-only, stale files of this user replaced,
 * anything else refused and left untouched) and removed (only while it is still the server's),
 * and who may be at the other end ({@code SO_PEERCRED}: by default only this process's user,
 * checked by servers on accept and by clients on connect, before any byte of pipc).
 */
@NullMarked
package io.pipc.transport.unix;

import org.jspecify.annotations.NullMarked;
