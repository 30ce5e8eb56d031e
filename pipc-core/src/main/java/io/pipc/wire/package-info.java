/**
 * The wire: how messages cross a byte stream. Pure code over {@link java.nio.ByteBuffer}: no
 * sockets, threads or I/O, so every stream transport (FIFO, Unix socket, TCP, stdio) drives the
 * same classes, a blocking transport from its reader thread and an NIO transport from its event
 * loop, and every rule is tested without a socket.
 *
 * <p>{@link io.pipc.wire.WireFormat#of} picks the wire that {@link io.pipc.PipeOptions#wire()}
 * names and hands out its three parts: a {@link io.pipc.wire.Handshake} for the opening exchange
 * (preface and authentication), a {@link io.pipc.wire.FrameDecoder} that turns received bytes into
 * {@link io.pipc.wire.Frame}s, and a {@link io.pipc.wire.FrameEncoder} that writes them. Each part
 * accepts bytes in any split, one at a time included, and never blocks. {@code docs/protocol.md}
 * describes both wires byte by byte.
 */
@NullMarked
package io.pipc.wire;

import org.jspecify.annotations.NullMarked;
