/**
 * Pipes between threads of one JVM ({@code Pipes.pair()}): each end's writes go straight into
 * the other end's bounded inbound queue, so a full reader blocks the writer. No operating
 * system resources; a disconnect is an event, and the next write from either end reconnects.
 */
@NullMarked
package io.pipc.transport.inprocess;

import org.jspecify.annotations.NullMarked;
