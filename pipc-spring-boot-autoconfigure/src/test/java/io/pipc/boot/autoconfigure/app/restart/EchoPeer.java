package io.pipc.boot.autoconfigure.app.restart;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

/**
 * The peer that {@link PeerRestartTests} kills and starts again: a process of its own that
 * opens one pipe and answers every message with "echo " and the message, keeping its
 * correlation id, until the pipe ends.
 *
 * <p>Arguments: {@code fifo <directory> <name>} meets the application on a FIFO rendezvous;
 * {@code tcp <port>} listens on 127.0.0.1 and answers one client after the other.
 */
public final class EchoPeer {

    private EchoPeer() {
    }

    public static void main(String[] args) {
        if (args[0].equals("fifo")) {
            echo(Pipes.named(args[2], PipeOptions.builder().directory(Path.of(args[1])).build()));
            return;
        }
        // A client that gave up during its handshake is not the last: the server goes on accepting.
        try (PipeServer server = Pipes.server(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])))) {
            while (true) {
                echo(server.accept());
            }
        }
    }

    private static void echo(Pipe opened) {
        try (Pipe pipe = opened) {
            while (true) {
                Envelope message = pipe.readEnvelope();
                byte[] echo = ("echo " + new String(message.payload(), StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8);
                pipe.write(new Envelope(echo, message.correlationId(), message.contentType()));
            }
        }
        catch (PeerClosedException | PeerDisconnectedException ended) {
            System.err.println("peer left: " + ended.getMessage());
        }
    }
}
