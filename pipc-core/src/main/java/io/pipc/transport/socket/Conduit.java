package io.pipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;

/**
 * How a connection's bytes reach its socket: as they are ({@link PlainConduit}) or through a
 * TLS engine. Reads happen on the event loop; writes come from whichever thread is flushing
 * the outbox, one at a time.
 */
public interface Conduit extends ReadableByteChannel, GatheringByteChannel {

    /**
     * @return the socket underneath
     */
    SocketChannel socket();

    /**
     * Drives a handshake of this layer (TLS) before the pipc handshake; on the loop.
     *
     * @return true once the layer is ready for application bytes
     * @throws IOException when the layer's handshake fails
     */
    boolean handshake() throws IOException;

    /**
     * @return whether the layer wants the socket to become writable to go on with its handshake
     */
    boolean handshakeWantsWrite();

    /**
     * @return whether the layer holds received bytes not yet read (a TLS record that did not
     *         fit in the reader's buffer): read again even though the socket has nothing new
     */
    default boolean hasBufferedInput() {
        return false;
    }

    /**
     * @return whether bytes the layer accepted are still waiting for room in the socket
     */
    boolean hasPendingOutput();

    /**
     * @return true when no output is left waiting
     * @throws IOException when the socket fails
     */
    boolean flushPendingOutput() throws IOException;

    /**
     * Ends this side's output after everything written (a TCP FIN, after a TLS close_notify).
     *
     * @throws IOException when the socket fails
     */
    void shutdownOutput() throws IOException;

    @Override
    default boolean isOpen() {
        return socket().isOpen();
    }

    @Override
    default long write(ByteBuffer[] sources) throws IOException {
        return write(sources, 0, sources.length);
    }
}
