package io.pipc.integration;

import io.pipc.PipeServer;
import io.pipc.Transport;

/**
 * What pipc's endpoints report as messages flow: messages and bytes in and out, client
 * connections, failures. The default reports nothing; the Spring Boot auto-configuration
 * supplies a Micrometer implementation when Micrometer is present.
 *
 * <p>Implementations are called on I/O threads and must be quick and never throw.
 */
public interface PipeMetrics {

    /** Reports nothing. */
    PipeMetrics NONE = new PipeMetrics() {
    };

    /**
     * A message was read.
     *
     * @param origin the pipe or server it was read from
     * @param bytes the size of its payload
     */
    default void messageReceived(Origin origin, int bytes) {
    }

    /**
     * A message was written.
     *
     * @param origin the pipe or server it was written to
     * @param bytes the size of its payload
     */
    default void messageSent(Origin origin, int bytes) {
    }

    /**
     * A server listens. An implementation may read the counters it keeps of refused clients,
     * refusals over its limits and failed authentications ({@link PipeServer#refusedConnections()},
     * {@link PipeServer#refusedOverLimits()}, {@link PipeServer#authenticationFailures()}), and
     * the bytes it holds for its clients ({@link PipeServer#bufferedBytes()}); those are not
     * reported through {@link #failure}. Called once or more per server; only the first call counts.
     *
     * @param origin the server
     * @param server the listening server
     */
    default void serverListening(Origin origin, PipeServer server) {
    }

    /**
     * A client connected to a server.
     *
     * @param origin the server
     */
    default void connectionOpened(Origin origin) {
    }

    /**
     * A client connection of a server ended.
     *
     * @param origin the server
     */
    default void connectionClosed(Origin origin) {
    }

    /**
     * Something went wrong.
     *
     * @param origin the pipe or server
     * @param kind what went wrong, the kind of failure
     */
    default void failure(Origin origin, Failure kind) {
    }

    /**
     * Where a measurement comes from. Never carries a connection id: tags must stay few.
     *
     * @param name the pipe's or server's name
     * @param transport its transport
     * @param role whether it is a pipe or a server
     */
    record Origin(String name, Transport transport, Role role) {
    }

    /** Whether a measurement comes from a pipe or a server. */
    enum Role {
        /** A pipe: one peer. */
        PIPE,
        /** A server: many clients. */
        SERVER
    }

    /** The kinds of failure endpoints report. */
    enum Failure {
        /** A message could not be decoded or a payload encoded. */
        CODEC,
        /** The flow that handled a message threw. */
        HANDLER,
        /**
         * Authentication failed: a pipe's own, or (from the server's counter, see
         * {@link PipeMetrics#serverListening}) a server's client.
         */
        AUTHENTICATION,
        /** A reply did not come within the reply timeout. */
        REPLY_TIMEOUT,
        /** A message was dropped: a reply nobody waits for, or a message for a stopped endpoint. */
        DROPPED,
        /** The pipe or a connection failed: refused, broken, protocol error. */
        CONNECTION
    }
}
