package io.pipc.transport.unix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import io.pipc.PipeException;
import io.pipc.transport.socket.Conduit;

/**
 * A Unix socket client's conduit: bytes pass as they are, but its own "handshake", which the
 * engine runs as soon as the connect completes and before the pipc preface is sent, checks who
 * the server is. A refusal fails the connect with the check's {@link PipeException}.
 *
 * <p>Until the check has passed, every write fails: whatever path of the engine tries to send
 * (a goodbye from a close racing the failed connect, for one), nothing reaches a server that was
 * not trusted.
 */
final class ServerCheckingConduit implements Conduit {

    /** The check; throws to refuse the server. */
    interface ServerCheck {
        /**
         * @param socket the connected socket
         * @throws PipeException to refuse the server
         * @throws IOException when the socket fails
         */
        void check(SocketChannel socket) throws IOException;
    }

    private final Conduit plain;
    private final ServerCheck check;
    private volatile boolean trusted;

    ServerCheckingConduit(Conduit plain, ServerCheck check) {
        this.plain = plain;
        this.check = check;
    }

    @Override
    public boolean handshake() throws IOException {
        if (!trusted) {
            check.check(plain.socket());
            trusted = true;
        }
        return plain.handshake();
    }

    @Override
    public SocketChannel socket() {
        return plain.socket();
    }

    @Override
    public boolean handshakeWantsWrite() {
        return plain.handshakeWantsWrite();
    }

    @Override
    public boolean hasPendingOutput() {
        return plain.hasPendingOutput();
    }

    @Override
    public boolean flushPendingOutput() throws IOException {
        return plain.flushPendingOutput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        plain.shutdownOutput();
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
        return plain.read(destination);
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        requireTrusted();
        return plain.write(source);
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        requireTrusted();
        return plain.write(sources, offset, length);
    }

    private void requireTrusted() throws IOException {
        if (!trusted) {
            throw new IOException("nothing is sent to a server before its user was checked");
        }
    }

    @Override
    public void close() throws IOException {
        plain.close();
    }
}
