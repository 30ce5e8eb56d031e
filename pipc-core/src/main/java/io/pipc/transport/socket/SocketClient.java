package io.pipc.transport.socket;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Transport;
import io.pipc.transport.Deadline;
import io.pipc.transport.SharedFailure;
import io.pipc.wire.Role;

/**
 * Connects to a server: the connect, the conduit's handshake and the pipc handshake all run on
 * an event loop while the caller waits, up to {@link PipeOptions#connectTimeout()}.
 */
public final class SocketClient {

    /** Prepares a connecting socket: options before the connect, and its conduit (plain or TLS). */
    public interface Preparation {
        /**
         * @param socket the socket, not yet connected, non-blocking
         * @return the conduit its bytes go through
         * @throws IOException when the socket fails
         */
        Conduit prepare(SocketChannel socket) throws IOException;
    }

    private SocketClient() {
    }

    /**
     * @param name the pipe's name
     * @param transport UNIX or TCP
     * @param family the socket's protocol family
     * @param address where the server listens
     * @param options timeouts, wire, secret
     * @param preparation socket options and conduit
     * @return the connected, authenticated pipe
     * @throws PipeTimeoutException when the connect or handshake did not finish within the connect timeout
     * @throws PipeException when the connection is refused or the handshake fails
     */
    public static SocketPipe connect(String name, Transport transport, ProtocolFamily family, SocketAddress address,
            PipeOptions options, Preparation preparation) {
        Deadline deadline = Deadline.after(options.connectTimeout());
        SocketChannel socket;
        Conduit conduit;
        boolean connected;
        try {
            socket = SocketChannel.open(family);
        } catch (IOException e) {
            throw new PipeException("pipe '" + name + "': cannot open a socket to " + address + ": " + e.getMessage(), e);
        }
        try {
            socket.configureBlocking(false);
            conduit = preparation.prepare(socket);
            connected = socket.connect(address);
        } catch (IOException e) {
            SocketChannels.closeQuietly(socket);
            throw new PipeException("pipe '" + name + "': cannot connect to " + address + ": " + e.getMessage()
                    + " (is the server running and reachable?)", e);
        } catch (RuntimeException e) {
            SocketChannels.closeQuietly(socket);
            throw e;
        }
        SocketPipe pipe;
        try {
            pipe = SocketPipe.start(name, transport, options, Role.CONNECTOR, conduit, !connected,
                    "server " + address, new SocketPipe.Listener() { }, deadline, new byte[0]);
        } catch (RuntimeException e) {
            // No pipe owns the socket (its event loop could not start, say): left open, the server would keep
            // the connection in its handshake, and its loop alive, until the handshake's deadline.
            SocketChannels.closeQuietly(socket);
            throw e;
        }
        try {
            return pipe.established().get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String stalled = pipe.whereTheHandshakeStalled();
            pipe.close();
            throw new PipeTimeoutException("pipe '" + name + "': no connection to " + address + " within "
                    + options.connectTimeout() + " (the server did not answer or did not complete the handshake"
                    + stalled + ")");
        } catch (ExecutionException | CompletionException e) {
            pipe.close();
            Throwable cause = e.getCause();
            if (cause instanceof PipeException failure) {
                throw new SharedFailure(failure).get();
            }
            throw new PipeException("pipe '" + name + "': cannot connect to " + address + ": " + cause, cause);
        } catch (InterruptedException e) {
            pipe.close();
            Thread.currentThread().interrupt();
            throw new PipeException("pipe '" + name + "': interrupted while connecting to " + address, e);
        }
    }

    /**
     * Runs the pipc handshake, on an event loop, over a connection that is already open (such
     * as the one a TCP rendezvous chose), without blocking the caller.
     *
     * @param name the pipe's name
     * @param transport UNIX or TCP
     * @param options timeouts, wire, secret
     * @param role whether this end accepted the connection or made it
     * @param conduit the connected socket, plain or TLS; bytes it holds already are read first
     * @param peer describes the other end in errors
     * @param deadline when the handshake must be complete
     * @param context what both sides exchanged on the connection before, the acceptor's part
     *        first (the rendezvous hellos); bound into the authentication proofs
     * @return the pipe; its {@link SocketPipe#established()} completes when the handshake does
     */
    public static SocketPipe handshake(String name, Transport transport, PipeOptions options, Role role, Conduit conduit,
            String peer, Deadline deadline, byte[] context) {
        return SocketPipe.start(name, transport, options, role, conduit, false, peer, new SocketPipe.Listener() { },
                deadline, context);
    }

    /**
     * @param socket a socket
     * @return a conduit that passes bytes as they are
     */
    public static Conduit plain(SocketChannel socket) {
        return new PlainConduit(socket);
    }

}
