/**
 * TCP pipes: servers and their clients ({@code Pipes.server}, {@code Pipes.connect} with an
 * {@link java.net.InetSocketAddress}), on the NIO engine of {@code io.pipc.transport.socket}.
 * Servers bind only where told; a bind beyond loopback needs a secret or TLS.
 */
@NullMarked
package io.pipc.transport.tcp;

import org.jspecify.annotations.NullMarked;
