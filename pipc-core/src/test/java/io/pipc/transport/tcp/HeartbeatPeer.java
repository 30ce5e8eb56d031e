package io.pipc.transport.tcp;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.Pipes;

/**
 * A child JVM for {@link TcpLifecycleTest}: connects to the server at {@code args[0]:args[1]}
 * with heartbeats every {@code args[2]} ms, says "ready", then reads until the pipe ends. The
 * test freezes it with {@code kill -STOP}, so that it stops answering without closing anything.
 */
public final class HeartbeatPeer {

    private HeartbeatPeer() {
    }

    public static void main(String[] args) {
        PipeOptions options = PipeOptions.builder().heartbeat(Duration.ofMillis(Long.parseLong(args[2]))).build();
        try (Pipe pipe = Pipes.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), options)) {
            pipe.write("ready");
            while (true) {
                pipe.read();
            }
        }
    }
}
