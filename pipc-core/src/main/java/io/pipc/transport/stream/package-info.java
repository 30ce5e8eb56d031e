/**
 * Pipes over a pair of blocking byte channels, the engine of the FIFO and stdio transports:
 * a reader thread runs the handshake and then decodes frames into the inbound queue (blocking
 * when it is full, so the peer's writes block in turn), and a writer thread drains the
 * coalescing {@link io.pipc.transport.Outbox} in batches.
 */
@NullMarked
package io.pipc.transport.stream;

import org.jspecify.annotations.NullMarked;
