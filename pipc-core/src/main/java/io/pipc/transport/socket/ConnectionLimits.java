package io.pipc.transport.socket;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

import io.pipc.PipeOptions;

import org.jspecify.annotations.Nullable;

/**
 * Counts a server's clients against its limits, apart for those still in their handshake and
 * those past it, so that connections that have not proved anything can never take the places of
 * clients that have: at most {@link PipeOptions#maxHandshakingConnections()} in their handshake
 * (and {@link PipeOptions#maxHandshakingConnectionsPerAddress()} from one address), at most
 * {@link PipeOptions#maxConnections()} past it.
 *
 * <p>Only the server's listening loop admits; clients' loops establish and release. Each client
 * holds one {@link Slot}; the counts change under this object's lock, and whoever frees a place
 * in the handshake is told so through the callback given at construction (outside the lock).
 */
final class ConnectionLimits {

    /** Why a connection cannot be admitted now. */
    enum Refusal {
        /** {@code maxConnections} clients have finished their handshake and are still open. */
        MAX_CONNECTIONS,
        /** {@code maxHandshakingConnectionsPerAddress} connections from the same address are in their handshake. */
        MAX_HANDSHAKING_PER_ADDRESS
    }

    private final int maxConnections;
    private final int maxHandshaking;
    private final int maxHandshakingPerAddress;
    private final Runnable handshakePlaceFreed;
    private final Map<InetAddress, Integer> handshakingByAddress = new HashMap<>();
    private int handshaking;
    private int established;

    /**
     * @param options maxConnections, maxHandshakingConnections and maxHandshakingConnectionsPerAddress
     * @param handshakePlaceFreed run (on the thread that freed it, outside any lock) whenever a
     *        connection leaves its handshake, so that a server that stopped accepting may resume
     */
    ConnectionLimits(PipeOptions options, Runnable handshakePlaceFreed) {
        this.maxConnections = options.maxConnections();
        this.maxHandshaking = options.maxHandshakingConnections();
        this.maxHandshakingPerAddress = options.maxHandshakingConnectionsPerAddress();
        this.handshakePlaceFreed = handshakePlaceFreed;
    }

    /**
     * @return whether {@code maxHandshakingConnections} connections are in their handshake: no
     *         new one should be accepted until one leaves it
     */
    synchronized boolean handshakesFull() {
        return handshaking >= maxHandshaking;
    }

    /**
     * @param address the client's IP address, or null where there is none (Unix sockets)
     * @return why a connection from there cannot be admitted now, or null when it can
     */
    synchronized @Nullable Refusal refusal(@Nullable InetAddress address) {
        if (established >= maxConnections) {
            return Refusal.MAX_CONNECTIONS;
        }
        if (address != null && handshakingByAddress.getOrDefault(address, 0) >= maxHandshakingPerAddress) {
            return Refusal.MAX_HANDSHAKING_PER_ADDRESS;
        }
        return null;
    }

    /**
     * Counts a new connection in its handshake; the caller has checked {@link #refusal} just
     * before, on the same thread (counts can only have gone down since).
     *
     * @param address the client's IP address, or null where there is none
     * @return the connection's place, to {@linkplain Slot#establish() establish} and {@linkplain Slot#release() release}
     */
    synchronized Slot admit(@Nullable InetAddress address) {
        handshaking++;
        if (address != null) {
            handshakingByAddress.merge(address, 1, Integer::sum);
        }
        return new Slot(address);
    }

    /**
     * @return connections held now: in their handshake or past it
     */
    synchronized int held() {
        return handshaking + established;
    }

    /**
     * @return connections in their handshake now
     */
    synchronized int handshaking() {
        return handshaking;
    }

    /** Called with the lock held: the connection is no longer in its handshake. */
    private void leaveHandshake(@Nullable InetAddress address) {
        handshaking--;
        if (address != null) {
            handshakingByAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
        }
    }

    /** One connection's place: in its handshake, then past it, then gone. */
    final class Slot {

        private final @Nullable InetAddress address;
        private boolean inHandshake = true;
        private boolean released;

        private Slot(@Nullable InetAddress address) {
            this.address = address;
        }

        /**
         * The handshake succeeded: the connection moves to the clients past it, if there is room.
         *
         * @return false when {@code maxConnections} clients are already past their handshake (the
         *         caller refuses the connection, and releases it); the place is then unchanged
         */
        boolean establish() {
            synchronized (ConnectionLimits.this) {
                if (released || !inHandshake || established >= maxConnections) {
                    return false;
                }
                inHandshake = false;
                leaveHandshake(address);
                established++;
            }
            handshakePlaceFreed.run();
            return true;
        }

        /** The connection is closed; calling it again does nothing. */
        void release() {
            boolean leftHandshake;
            synchronized (ConnectionLimits.this) {
                if (released) {
                    return;
                }
                released = true;
                leftHandshake = inHandshake;
                if (inHandshake) {
                    leaveHandshake(address);
                } else {
                    established--;
                }
            }
            if (leftHandshake) {
                handshakePlaceFreed.run();
            }
        }
    }
}
