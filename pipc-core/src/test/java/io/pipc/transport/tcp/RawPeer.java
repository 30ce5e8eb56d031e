package io.pipc.transport.tcp;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

import io.pipc.PipeOptions;
import io.pipc.transport.socket.SocketEnds;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Handshake;
import io.pipc.wire.Role;
import io.pipc.wire.WireFormat;

/**
 * A peer driven by hand over a blocking socket: it sends exactly the bytes a test says,
 * remembers everything it sent (to replay it), and reads with timeouts.
 */
final class RawPeer implements Closeable {

    static final int DATA = 0x01;
    static final int AUTH_CHALLENGE = 0x20;
    static final int AUTH_RESPONSE = 0x21;
    static final int AUTH_RESULT = 0x22;

    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    static RawPeer connect(SocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 10_000);
        socket.setTcpNoDelay(true);
        return new RawPeer(socket);
    }

    static RawPeer over(Socket socket) throws IOException {
        return new RawPeer(socket);
    }

    /** The eight-byte native preface. */
    static byte[] preface(boolean requiresAuthentication) {
        return new byte[] {'P', 'I', 'P', 'C', 2, (byte) (requiresAuthentication ? 1 : 0), 0, 0};
    }

    /** A native frame: 4-byte length, type, body. */
    static byte[] frame(int type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).putInt(body.length).put((byte) type).put(body).array();
    }

    void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        sent.write(bytes);
    }

    /** @return every byte this peer sent so far */
    byte[] sent() {
        return sent.toByteArray();
    }

    /** Runs the pipc handshake as a client with these options, recording what it sends. */
    void handshake(PipeOptions options) throws IOException {
        ConnectionEnds ends = new ConnectionEnds(SocketEnds.name(socket.getLocalSocketAddress()),
                SocketEnds.name(socket.getRemoteSocketAddress()));
        Handshake handshake = WireFormat.of(options, "raw").newHandshake(Role.CONNECTOR, ConnectionBinding.of(ends));
        ByteBuffer received = ByteBuffer.allocate(4096);
        sendOutput(handshake);
        socket.setSoTimeout(10_000);
        while (!handshake.isComplete()) {
            int n = in.read(received.array(), received.position(), received.remaining());
            if (n < 0) {
                handshake.endOfStream();
            }
            received.position(received.position() + n).flip();
            handshake.consume(received);
            received.compact();
            sendOutput(handshake);
        }
    }

    private void sendOutput(Handshake handshake) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(4096);
        while (handshake.hasOutput()) {
            out.clear();
            handshake.produce(out);
            out.flip();
            byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            send(bytes);
        }
    }

    /** Reads exactly {@code n} bytes, failing after {@code timeout}. */
    byte[] read(int n, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new IOException("the peer closed after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /**
     * Reads until the other end closes the connection.
     *
     * @return what arrived meanwhile
     * @throws SocketTimeoutException when it was still open after {@code timeout}
     */
    byte[] readUntilClosed(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException reset) {
            // a reset closes the connection too
        }
        return received.toByteArray();
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
