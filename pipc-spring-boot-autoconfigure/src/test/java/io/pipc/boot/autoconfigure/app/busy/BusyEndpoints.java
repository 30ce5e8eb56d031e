package io.pipc.boot.autoconfigure.app.busy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.Pipes;

/**
 * The properties of {@link BusyEndpointsApplication}'s three endpoints.
 */
final class BusyEndpoints {

    private BusyEndpoints() {
    }

    /**
     * Meets the application's FIFO pipe {@code feed}, on a thread of its own, since both sides
     * wait for each other.
     *
     * @param directory the application's {@code pipc.directory}
     * @return the peer's end, once the application has opened its own
     */
    static CompletableFuture<Pipe> fifoPeer(Path directory) {
        PipeOptions options = PipeOptions.builder().directory(directory).connectTimeout(Duration.ofSeconds(60)).build();
        CompletableFuture<Pipe> opened = new CompletableFuture<>();
        Thread opening = new Thread(() -> {
            try {
                opened.complete(Pipes.named("feed", options));
            }
            catch (RuntimeException ex) {
                opened.completeExceptionally(ex);
            }
        }, "feed-peer-opening");
        opening.setDaemon(true);
        opening.start();
        return opened;
    }

    /**
     * @return the properties, without {@code pipc.directory}; the TCP server takes any free port
     */
    static String[] properties() {
        return new String[] { "pipc.servers.tcp.transport=tcp", "pipc.servers.tcp.port=0",
                "pipc.servers.tcp.codec=string", "pipc.servers.tcp.gateway=true",
                "pipc.servers.tcp.inbound-channel=tcpRequests", "pipc.servers.tcp.shutdown-grace-period=40s",
                "pipc.servers.unix.transport=unix", "pipc.servers.unix.codec=string", "pipc.servers.unix.gateway=true",
                "pipc.servers.unix.inbound-channel=unixRequests", "pipc.servers.unix.shutdown-grace-period=40s",
                "pipc.pipes.feed.transport=fifo", "pipc.pipes.feed.codec=string", "pipc.pipes.feed.inbound-channel=feed",
                "pipc.pipes.feed.connect-timeout=30s", "pipc.pipes.feed.shutdown-grace-period=40s" };
    }
}
