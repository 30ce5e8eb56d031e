package io.pipc.transport;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

import io.pipc.PipeOptions;
import io.pipc.wire.ConnectionBinding;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Handshake;
import io.pipc.wire.Role;
import io.pipc.wire.WireFormat;

/**
 * A peer driven by hand, for the tests of every stream engine: it completes the wire's handshake
 * as a connector, then sends exactly the bytes a test gives it, whole frames, half frames or
 * garbage, and can stop at any point.
 */
public final class HandDrivenPeer implements Closeable {

    private final ReadableByteChannel in;
    private final WritableByteChannel out;
    private final Handshake handshake;
    private final ByteBuffer received = ByteBuffer.allocate(4096);

    /**
     * @param in what the pipe under test writes (a socket is both in and out)
     * @param out what the pipe under test reads
     * @param options the wire and secret to speak
     */
    public HandDrivenPeer(ReadableByteChannel in, WritableByteChannel out, PipeOptions options) {
        this.in = in;
        this.out = out;
        // The pipe under test names its ends differently: with a secret, only a peer in another process would do.
        ConnectionEnds ends = new ConnectionEnds("hand-driven peer", "pipe under test");
        this.handshake = WireFormat.of(options, "hand-driven").newHandshake(Role.CONNECTOR, ConnectionBinding.of(ends));
    }

    /** Waits until the other end's preface has arrived, without answering it. */
    public void awaitPreface() throws IOException {
        while (received.position() < 8) {
            read();
        }
    }

    /** Completes the handshake, starting with what {@link #awaitPreface()} already received. */
    public void handshake() throws IOException {
        sendOutput();
        while (true) {
            received.flip();
            handshake.consume(received);
            received.compact();
            sendOutput();
            if (handshake.isComplete()) {
                return;
            }
            read();
        }
    }

    /** Writes all of {@code bytes}. */
    public void send(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** Ends both directions at once, as a process that dies does. */
    @Override
    public void close() throws IOException {
        out.close();
        in.close();
    }

    private void read() throws IOException {
        if (in.read(received) < 0) {
            throw new EOFException("the pipe under test closed during the handshake");
        }
    }

    private void sendOutput() throws IOException {
        ByteBuffer output = ByteBuffer.allocate(4096);
        while (handshake.hasOutput()) {
            output.clear();
            handshake.produce(output);
            output.flip();
            send(output);
        }
    }
}
