/**
 * Child processes with a pipe: starting a child whose stdin and stdout carry the pipe and
 * waiting for its handshake ({@link io.pipc.process.ChildLauncher}), the command line of a
 * child JVM, exit codes with signals, stopping a child once its pipe is closed, and the child's
 * own pipe to its parent ({@link io.pipc.process.ParentPipe}). {@link io.pipc.PipeProcess} and
 * {@link io.pipc.Pipes#parent()} are the public face; the bytes move over
 * {@link io.pipc.transport.stdio}.
 */
@NullMarked
package io.pipc.process;

import org.jspecify.annotations.NullMarked;
