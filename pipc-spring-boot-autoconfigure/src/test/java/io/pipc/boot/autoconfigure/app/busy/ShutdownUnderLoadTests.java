package io.pipc.boot.autoconfigure.app.busy;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing a context whose three endpoints are all busy loses nothing: a TCP server gateway, a
 * Unix socket server gateway and a FIFO pipe with an inbound adapter, each fed by its own peer
 * that writes until a write throws. Every message a peer wrote successfully is handled, every
 * request answered, and every peer is told goodbye. The Unix server's drain is made to end after
 * the TCP server's (see {@link BusyEndpointsApplication}), so that a shutdown phase that ends
 * with the first drain to finish, rather than the last, cuts the Unix server's drain short.
 */
@Timeout(120)
class ShutdownUnderLoadTests {

    /** Messages each peer has written, beyond the one held, before the context closes. */
    private static final int IN_FLIGHT = 3_000;

    @TempDir
    Path directory;

    @Test
    void closingWithTwoServersAndAPipeAllBusyHandlesEverythingAndSaysGoodbyeToEveryPeer() throws Exception {
        CompletableFuture<Pipe> feedPeer = BusyEndpoints.fifoPeer(this.directory);
        ConfigurableApplicationContext application = new SpringApplicationBuilder(BusyEndpointsApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "spring.lifecycle.timeout-per-shutdown-phase=60s",
                        "busy.hold=true", "pipc.directory=" + this.directory)
                .properties(BusyEndpoints.properties())
                .run();
        BusyEndpointsApplication app = application.getBean(BusyEndpointsApplication.class);
        SocketAddress tcp = application.getBean("tcpPipeServer", PipeServer.class).address();
        SocketAddress unix = application.getBean("unixPipeServer", PipeServer.class).address();
        try (StreamingPeer tcpPeer = new StreamingPeer("tcp", Pipes.connect(tcp), "tcp:").start();
                StreamingPeer unixPeer = new StreamingPeer("unix", Pipes.connect(unix), "unix:").start();
                StreamingPeer fifoPeer = new StreamingPeer("feed", feedPeer.get(30, TimeUnit.SECONDS), null).start()) {
            assertThat(app.tcpHolding.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(app.unixHolding.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(app.feedHolding.await(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> tcpPeer.written() > IN_FLIGHT
                    && unixPeer.written() > IN_FLIGHT && fifoPeer.written() > IN_FLIGHT);
            assertThat(tcpPeer.replies() + unixPeer.replies()).as("answered before the close").isZero();
            assertThat(app.feed().count()).as("handled before the close").isZero();

            application.close();

            assertThat(tcpPeer.assertEverythingAnsweredAndGoodbye("tcp:")).isGreaterThan(IN_FLIGHT);
            assertThat(unixPeer.assertEverythingAnsweredAndGoodbye("unix:")).isGreaterThan(IN_FLIGHT);
            int fed = fifoPeer.assertEverythingAnsweredAndGoodbye(null);
            assertThat(fed).isGreaterThan(IN_FLIGHT);
            assertThat(app.feed().report()).isEqualTo("feed handled " + fed + " messages in order");
        }
        finally {
            application.close();
        }
    }
}
