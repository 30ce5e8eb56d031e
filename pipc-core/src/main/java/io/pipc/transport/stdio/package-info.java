/**
 * The stdio transport: a pipe between a parent process and the child it started, over the
 * child's standard input and output. The parent reads and writes the JDK's process streams
 * through small channel adapters (one flushes every batch, neither blocks on close); the
 * child uses file channels on its own descriptors 0 and 1. Both ends run the blocking-stream
 * engine of {@link io.pipc.transport.stream}.
 */
@NullMarked
package io.pipc.transport.stdio;

import org.jspecify.annotations.NullMarked;
