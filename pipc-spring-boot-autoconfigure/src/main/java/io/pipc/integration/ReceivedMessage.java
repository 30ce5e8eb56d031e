package io.pipc.integration;

import java.util.function.Consumer;

import io.pipc.Envelope;

import org.jspecify.annotations.Nullable;

/**
 * One message read from a pipe or from a client of a server, with what an endpoint needs to
 * turn it into a Spring message and to answer it.
 *
 * @param envelope the payload and wire headers
 * @param origin the pipe or server it came from
 * @param connectionId the client connection, for a server; else null
 * @param replies writes a message back to where this one came from
 */
record ReceivedMessage(Envelope envelope, PipeMetrics.Origin origin, @Nullable String connectionId,
        Consumer<Envelope> replies) {
}
