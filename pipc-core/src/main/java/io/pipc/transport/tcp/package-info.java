/**
 * TCP pipes: servers and their clients ({@code Pipes.server}, {@code Pipes.connect} with an
 * {@link java.net.InetSocketAddress}) and pIPC's rendezvous ({@code Pipes.remote}), on the NIO
 * engine of {@code io.pipc.transport.socket}, with TLS when the options carry an SSLContext.
 * Nothing listens beyond loopback without a secret or TLS. The rendezvous's hello and commit
 * are written down in {@code docs/protocol.md}, "TCP rendezvous".
 */
@NullMarked
package io.pipc.transport.tcp;

import org.jspecify.annotations.NullMarked;
