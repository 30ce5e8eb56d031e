package io.pipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Bytes go to the socket as they are. */
final class PlainConduit implements Conduit {

    private final SocketChannel socket;

    PlainConduit(SocketChannel socket) {
        this.socket = socket;
    }

    @Override
    public SocketChannel socket() {
        return socket;
    }

    @Override
    public boolean handshake() {
        return true;
    }

    @Override
    public boolean handshakeWantsWrite() {
        return false;
    }

    @Override
    public boolean hasPendingOutput() {
        return false;
    }

    @Override
    public boolean flushPendingOutput() {
        return true;
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
        return socket.read(destination);
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        return socket.write(source);
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        return socket.write(sources, offset, length);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
