package io.pipc;

import java.io.Closeable;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Listens for clients and hands out one {@link Pipe} per client, after the client's preface
 * and authentication succeeded. Made by {@link Pipes#server(SocketAddress)} for TCP and Unix
 * domain socket addresses.
 *
 * <p>Ready for {@link Pipes#select} when a client is waiting to be accepted.
 */
public interface PipeServer extends Selectable, Closeable {

    /**
     * Blocks until a client has connected and authenticated.
     *
     * @return the pipe to that client
     * @throws PipeClosedException when the server is closed, before or during the call
     */
    Pipe accept();

    /**
     * Waits at most {@code timeout} for a client.
     *
     * @param timeout how long to wait; zero checks without waiting
     * @return the pipe to that client
     * @throws PipeTimeoutException when no client arrived in time
     */
    Pipe accept(Duration timeout);

    /**
     * @return the bound address; for TCP, a real port when port 0 was asked
     */
    SocketAddress address();

    /**
     * @return whether the server still accepts clients
     */
    boolean isOpen();

    /**
     * Stops accepting; pipes already accepted stay open. Clients connected and not yet
     * accepted are told goodbye. Calling it again does nothing.
     */
    @Override
    void close();

    /**
     * The first step of a shutdown that loses no client: stops taking new connections, while
     * clients already connected finish their handshake and are still handed out by
     * {@link #accept()}. Once none is left, {@code accept()} throws {@link PipeClosedException}
     * at once. Then {@link #close()}. Calling it again does nothing.
     */
    default void stopListening() {
        close();
    }

    /**
     * @return clients closed before the application could accept them, since the server
     *         started: over {@link PipeOptions#maxConnections()}, refused by the transport's
     *         checks (a Unix peer of another user), or whose handshake failed or timed out
     */
    default long refusedConnections() {
        return 0;
    }

    /**
     * @return clients whose authentication failed since the server started (a wrong or missing
     *         secret, a replayed or reflected handshake, an untrusted TLS certificate); also
     *         counted in {@link #refusedConnections()}
     */
    default long authenticationFailures() {
        return 0;
    }

    /**
     * @return clients refused since the server started because a limit was reached
     *         ({@link PipeOptions#maxConnections()} clients past their handshake, or
     *         {@link PipeOptions#maxHandshakingConnectionsPerAddress()} in their handshake from
     *         the same address); also counted in {@link #refusedConnections()}
     */
    default long refusedOverLimits() {
        return 0;
    }

    /**
     * @return bytes the server holds now for all its clients together: received messages not
     *         yet read, messages that have begun to arrive, and the room a read under way has
     *         claimed; bounded by {@link PipeOptions#maxInboundBuffer()}
     */
    default long bufferedBytes() {
        return 0;
    }
}
