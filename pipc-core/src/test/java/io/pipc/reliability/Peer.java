package io.pipc.reliability;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Pipes;

/**
 * The other process of the harness: opens its end of a pipe to the harness, says "ready", and
 * then either echoes every message back ({@code echo}) or only reads ({@code idle}), until the
 * pipe ends or the harness kills or freezes it.
 *
 * <p>Arguments: {@code fifo DIRECTORY NAME | unix SOCKET | tcp PORT | stdio}, then the heartbeat
 * in milliseconds (0 for none), then {@code echo} or {@code idle}.
 */
public final class Peer {

    private Peer() {
    }

    /**
     * @param args see the class description
     */
    public static void main(String[] args) {
        int at = args[0].equals("fifo") ? 3 : args[0].equals("stdio") ? 1 : 2;
        PipeOptions options = PipeOptions.builder().heartbeat(Duration.ofMillis(Long.parseLong(args[at])))
                .connectTimeout(Duration.ofSeconds(60)).build();
        boolean echo = args[at + 1].equals("echo");
        try (Pipe pipe = open(args, options)) {
            pipe.write("ready");
            while (true) {
                byte[] message = pipe.read();
                if (echo) {
                    pipe.write(message);
                }
            }
        }
        catch (PipeException ex) {
            // The harness closed its end: done.
        }
    }

    private static Pipe open(String[] args, PipeOptions options) {
        return switch (args[0]) {
            case "fifo" -> Pipes.named(args[2], options.toBuilder().directory(Path.of(args[1])).build());
            case "unix" -> Pipes.connect(UnixDomainSocketAddress.of(args[1]), options);
            case "tcp" -> Pipes.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), options);
            case "stdio" -> Pipes.parent(options);
            default -> throw new IllegalArgumentException("unknown transport '" + args[0] + "': fifo, unix, tcp or stdio");
        };
    }
}
