package io.pipc.boot.autoconfigure.app.restart;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.PipeProcess;
import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import io.pipc.boot.health.PipeHealthIndicator;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.event.PipeReconnectedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.messaging.Message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The peer of a pipe is a process of its own ({@link EchoPeer}), killed ({@code kill -9}) and
 * started again three times while the application runs: each time the same {@code Pipe} bean
 * and the same inbound adapter carry numbered messages again, and the echoes prove that every
 * message written after a reconnection arrives once, none lost, none twice.
 */
@Timeout(180)
class PeerRestartTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final int MESSAGES_PER_ROUND = 50;

    @TempDir
    Path directory;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
            .withBean("echoes", QueueChannel.class)
            .withPropertyValues("pipc.pipes.peer.codec=string", "pipc.pipes.peer.inbound-channel=echoes",
                    "pipc.pipes.peer.connect-timeout=10s", "pipc.pipes.peer.write-timeout=30s",
                    "pipc.pipes.peer.backoff.initial-interval=50ms", "pipc.pipes.peer.backoff.max-interval=500ms");

    @Test
    void fifoPipeCarriesEveryMessageOnceAcrossThreeRestartsOfItsPeer() {
        String directory = this.directory.toString();
        this.runner.withPropertyValues("pipc.directory=" + directory, "pipc.pipes.peer.transport=fifo",
                "pipc.pipes.peer.name=echo")
                .run((context) -> survivesThreeRestarts(context.getBean("peerPipe", SharedPipe.class),
                        context.getBean("echoes", QueueChannel.class), context, List.of("fifo", directory, "echo")));
    }

    @Test
    void tcpConnectPipeCarriesEveryMessageOnceAcrossThreeRestartsOfItsServer() throws IOException {
        int port = freePort();
        this.runner.withPropertyValues("pipc.pipes.peer.transport=tcp", "pipc.pipes.peer.mode=connect",
                "pipc.pipes.peer.port=" + port)
                .run((context) -> survivesThreeRestarts(context.getBean("peerPipe", SharedPipe.class),
                        context.getBean("echoes", QueueChannel.class), context, List.of("tcp", String.valueOf(port))));
    }

    private void survivesThreeRestarts(SharedPipe pipe, QueueChannel echoes,
            org.springframework.context.ConfigurableApplicationContext context, List<String> peerArgs) throws Exception {
        List<PipeReconnectedEvent> reconnections = new CopyOnWriteArrayList<>();
        context.addApplicationListener((ApplicationListener<PipeReconnectedEvent>) reconnections::add);
        PipeHealthIndicator health = new PipeHealthIndicator(pipe);
        List<String> received = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            Process peer = startPeer(peerArgs, round);
            try {
                int reconnected = round;
                await("the pipe open with peer " + round).atMost(WAIT)
                        .until(() -> reconnections.size() >= reconnected && health.health().getStatus().equals(Status.UP));
                assertThat(reconnections).as("reconnections after %d restarts", round).hasSize(round);
                assertThat(context.getBean("peerPipe")).as("the Pipe bean after %d restarts", round).isSameAs(pipe);

                for (int i = 0; i < MESSAGES_PER_ROUND; i++) {
                    pipe.write(round + "-" + i);
                }
                List<String> echoed = new ArrayList<>();
                for (int i = 0; i < MESSAGES_PER_ROUND; i++) {
                    Message<?> echo = echoes.receive(WAIT.toMillis());
                    assertThat(echo).as("echo %d of round %d", i, round).isNotNull();
                    echoed.add((String) echo.getPayload());
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < MESSAGES_PER_ROUND; i++) {
                    expected.add("echo " + round + "-" + i);
                }
                assertThat(echoed).as("round %d: each message once, in order", round).containsExactlyElementsOf(expected);
                received.addAll(echoed);
            }
            catch (AssertionError | RuntimeException ex) {
                throw new AssertionError(ex.getMessage() + "\n--- the peer's output ---\n" + output(round), ex);
            }
            finally {
                peer.destroyForcibly();
                assertThat(peer.waitFor(30, TimeUnit.SECONDS)).as("peer of round %d ended", round).isTrue();
            }
            if (round < 3) {
                await("the pipe sees its peer gone, round " + round).atMost(WAIT)
                        .until(() -> health.health().getStatus().equals(Status.OUT_OF_SERVICE));
                assertThat(pipe.state()).isEqualTo(SharedPipe.State.RECONNECTING);
                assertThat(health.health().getDetails()).containsEntry("state", "reconnecting").containsKey("reason");
            }
        }
        assertThat(received).hasSize(4 * MESSAGES_PER_ROUND).doesNotHaveDuplicates();
        assertThat(echoes.getQueueSize()).as("nothing more than was written").isZero();
        assertThat(reconnections).hasSize(3).allSatisfy((event) -> {
            assertThat(event.getPipeName()).isEqualTo("peer");
            assertThat(event.getAttempts()).isPositive();
        });
        Map<String, Object> details = health.health().getDetails();
        assertThat(details).containsEntry("transport", peerArgs.get(0));
    }

    private Process startPeer(List<String> args, int round) throws IOException {
        Path log = this.directory.resolve("peer-" + round + ".log");
        return PipeProcess.javaCommand(EchoPeer.class, List.of(), args)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private String output(int round) {
        try {
            return Files.readString(this.directory.resolve("peer-" + round + ".log"));
        }
        catch (IOException ex) {
            return "(unreadable: " + ex + ")";
        }
    }

    /** The server is a child that starts again on the same port, so the port is picked here. */
    private static int freePort() throws IOException {
        try (ServerSocketChannel channel = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }
    }
}
