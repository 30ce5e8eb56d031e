package io.pipc.transport.unix;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.Readiness;
import io.pipc.transport.socket.SocketServer;

/**
 * A Unix socket {@link PipeServer}: the engine's {@link SocketServer}, plus its socket file,
 * which {@link #close()} (and {@link #stopListening()}) removes before the listening socket closes. In that order nobody can
 * take the file for stale (a probe still finds it live) and replace it between the check that it
 * is ours and its removal.
 */
final class UnixServer implements PipeServer {

    private final SocketServer server;
    private final SocketFile file;
    private final AtomicBoolean fileRemoved = new AtomicBoolean();

    UnixServer(SocketServer server, SocketFile file) {
        this.server = server;
        this.file = file;
    }

    @Override
    public Pipe accept() {
        return server.accept();
    }

    @Override
    public Pipe accept(Duration timeout) {
        return server.accept(timeout);
    }

    @Override
    public SocketAddress address() {
        return server.address();
    }

    @Override
    public boolean isOpen() {
        return server.isOpen();
    }

    @Override
    public Readiness readiness() {
        return server.readiness();
    }

    @Override
    public void stopListening() {
        removeFile();
        server.stopListening();
    }

    @Override
    public void close() {
        removeFile();
        server.close();
    }

    @Override
    public long refusedConnections() {
        return server.refusedConnections();
    }

    @Override
    public long authenticationFailures() {
        return server.authenticationFailures();
    }

    @Override
    public long refusedOverLimits() {
        return server.refusedOverLimits();
    }

    @Override
    public long bufferedBytes() {
        return server.bufferedBytes();
    }

    private void removeFile() {
        if (fileRemoved.compareAndSet(false, true)) {
            file.remove();
        }
    }

    @Override
    public String toString() {
        return server.toString();
    }
}
