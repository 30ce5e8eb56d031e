/**
 * Named pipes between two processes of one user ({@code Pipes.named(name)}): a rendezvous on
 * two FIFOs, one per direction, in the {@linkplain io.pipc.posix.PrivateDirectory private directory},
 * then the {@link io.pipc.transport.stream.StreamPipe} engine over them.
 *
 * <p>{@link io.pipc.transport.fifo.FifoRendezvous} elects the roles with a {@code flock} on a lock
 * file ({@link io.pipc.transport.fifo.RendezvousLock}); {@link io.pipc.transport.fifo.FifoCreator}
 * makes the FIFOs and {@link io.pipc.transport.fifo.FifoOpener} opens them the other way round,
 * both judging what they find by {@link io.pipc.transport.fifo.FifoTrust}, and every name leaves
 * the disk as soon as both processes hold both FIFOs. {@link io.pipc.transport.fifo.FifoChannels}
 * turns each checked non-blocking descriptor into a blocking JDK {@code FileChannel}, which a
 * close can wake. The whole protocol is described under "Named pipes" in
 * {@code docs/architecture.md}.
 */
@NullMarked
package io.pipc.transport.fifo;

import org.jspecify.annotations.NullMarked;
