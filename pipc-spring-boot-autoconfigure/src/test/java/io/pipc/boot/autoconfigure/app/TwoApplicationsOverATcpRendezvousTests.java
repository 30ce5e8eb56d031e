package io.pipc.boot.autoconfigure.app;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.Transport;
import io.pipc.boot.autoconfigure.RendezvousPorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two applications on two "hosts" (127.0.0.1 and 127.0.0.2, which Linux routes to this one)
 * declare a TCP rendezvous to each other on one port, each from its {@code local-address}, and
 * ask each other over it: whichever came first listened, the other connected, and each side's
 * {@code @ServiceActivator} answers the other's requests.
 */
@SpringBootTest(classes = AskingApplication.class, properties = { "side=A", "pipc.pipes.link.transport=tcp",
        "pipc.pipes.link.host=127.0.0.2", "pipc.pipes.link.local-address=127.0.0.1", "pipc.pipes.link.codec=string",
        "pipc.pipes.link.gateway=true", "pipc.pipes.link.inbound-channel=fromPeer",
        "pipc.pipes.link.outbound-channel=toPeer", "pipc.pipes.link.connect-timeout=30s" })
@DirtiesContext
@Timeout(60)
class TwoApplicationsOverATcpRendezvousTests {

    private static int port;

    private static CompletableFuture<ConfigurableApplicationContext> hostB;

    @Autowired
    private AskingApplication.Ask ask;

    @Autowired
    @Qualifier("linkPipe")
    private Pipe link;

    @DynamicPropertySource
    static void port(DynamicPropertyRegistry registry) {
        registry.add("pipc.pipes.link.port", () -> port);
    }

    @BeforeAll
    static void startTheApplicationOnTheOtherHost() throws IOException, InterruptedException {
        port = RendezvousPorts.freeOnBothHosts();
        hostB = AskingApplication.startAlongside("side=B", "pipc.pipes.link.transport=tcp",
                "pipc.pipes.link.host=127.0.0.1", "pipc.pipes.link.local-address=127.0.0.2",
                "pipc.pipes.link.port=" + port);
    }

    @AfterAll
    static void stopTheOtherApplication() throws Exception {
        hostB.get(30, TimeUnit.SECONDS).close();
    }

    @Test
    void eachHostAnswersTheOthersRequests() throws Exception {
        AskingApplication.Ask hostBAsks = hostB.get(30, TimeUnit.SECONDS).getBean(AskingApplication.Ask.class);

        assertThat(this.ask.ask("hello")).isEqualTo("B heard hello");
        assertThat(hostBAsks.ask("hi")).isEqualTo("A heard hi");
        assertThat(this.link.transport()).isEqualTo(Transport.TCP);
    }
}
