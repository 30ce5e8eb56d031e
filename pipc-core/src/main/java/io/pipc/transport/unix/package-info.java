/**
 * Unix domain socket pipes: servers and their clients ({@code Pipes.server},
 * {@code Pipes.connect} with a {@link java.net.UnixDomainSocketAddress}) on the NIO engine of
 * {@code io.pipc.transport.socket}, for many clients of one server on one host.
 */
@NullMarked
package io.pipc.transport.unix;

import org.jspecify.annotations.NullMarked;
