/**
 * The face of pipc that users touch: {@link io.pipc.Pipe}, {@link io.pipc.PipeServer},
 * the {@link io.pipc.Pipes} factory, {@link io.pipc.PipeOptions}, {@link io.pipc.Selectable},
 * {@link io.pipc.Codec} and the exceptions rooted at {@link io.pipc.PipeException}.
 *
 * <p>A pipe carries whole messages, never a byte stream: what one end writes in one call the
 * other end reads in one call. The same object serves between threads ({@link io.pipc.Pipes#pair()}),
 * between processes ({@link io.pipc.Pipes#named(String)}, Unix sockets, child processes) and
 * between hosts ({@link io.pipc.Pipes#remote(String, int)}, {@link io.pipc.Pipes#server}). Everything
 * below this package (wire, transports, codecs) is reached through it.
 */
@NullMarked
package io.pipc;

import org.jspecify.annotations.NullMarked;
