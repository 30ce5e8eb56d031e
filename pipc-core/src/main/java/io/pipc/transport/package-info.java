/**
 * What every transport shares: the bounded {@link io.pipc.transport.InboundQueue} that
 * received messages wait in (and that {@code select} watches), the read side of a pipe in
 * {@link io.pipc.transport.AbstractPipe}, and {@link io.pipc.transport.Deadline} for bounded
 * waits. One sub-package per transport builds on them.
 */
@NullMarked
package io.pipc.transport;

import org.jspecify.annotations.NullMarked;
