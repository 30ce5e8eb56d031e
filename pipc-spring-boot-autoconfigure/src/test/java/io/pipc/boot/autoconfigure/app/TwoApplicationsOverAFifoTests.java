package io.pipc.boot.autoconfigure.app;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two applications declare the same FIFO rendezvous with {@code gateway: true} and ask each
 * other over the one pipe, through real named pipes in a private directory: each side's
 * requests are answered by the other side's {@code @ServiceActivator}, and each side's replies
 * reach the {@code @MessagingGateway} that asked. This test's application is "left"; "right"
 * starts at the same time, as a rendezvous waits for its peer.
 */
@SpringBootTest(classes = AskingApplication.class, properties = { "side=left", "pipc.pipes.link.transport=fifo",
        "pipc.pipes.link.name=two-apps", "pipc.pipes.link.codec=string", "pipc.pipes.link.gateway=true",
        "pipc.pipes.link.inbound-channel=fromPeer", "pipc.pipes.link.outbound-channel=toPeer",
        "pipc.pipes.link.connect-timeout=30s" })
@DirtiesContext
@Timeout(60)
class TwoApplicationsOverAFifoTests {

    @TempDir
    static Path directory;

    private static CompletableFuture<ConfigurableApplicationContext> right;

    @Autowired
    private AskingApplication.Ask ask;

    @Autowired
    @Qualifier("linkPipe")
    private Pipe link;

    @DynamicPropertySource
    static void directory(DynamicPropertyRegistry registry) {
        registry.add("pipc.directory", () -> directory.toString());
    }

    @BeforeAll
    static void startTheOtherApplication() throws InterruptedException {
        right = AskingApplication.startAlongside("side=right",
                "pipc.pipes.link.transport=fifo", "pipc.pipes.link.name=two-apps", "pipc.directory=" + directory);
    }

    @AfterAll
    static void stopTheOtherApplication() throws Exception {
        right.get(30, TimeUnit.SECONDS).close();
    }

    @Test
    void eachApplicationAnswersTheOthersRequests() throws Exception {
        AskingApplication.Ask rightAsks = right.get(30, TimeUnit.SECONDS).getBean(AskingApplication.Ask.class);

        assertThat(this.ask.ask("hello")).isEqualTo("right heard hello");
        assertThat(rightAsks.ask("hi")).isEqualTo("left heard hi");
        assertThat(this.link.transport()).isEqualTo(Transport.FIFO);
        assertThat(directory).isEmptyDirectory();
    }
}
