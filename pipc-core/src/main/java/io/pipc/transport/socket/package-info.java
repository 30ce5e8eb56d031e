/**
 * The NIO engine shared by the Unix socket and TCP transports: a few event loops for the
 * whole JVM (so a server's thread count does not grow with its clients), connections that run
 * their handshake, reads and deadlines on a loop, and writers that hand their frames to the
 * socket themselves whenever it has room, waking a loop only when it does not. A
 * {@link io.pipc.transport.socket.Conduit} sits between a connection and its socket: plain, or
 * TLS through JSSE's SSLEngine ({@link io.pipc.transport.socket.TlsConduit}).
 */
@NullMarked
package io.pipc.transport.socket;

import org.jspecify.annotations.NullMarked;
