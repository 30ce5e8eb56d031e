package io.pipc.transport.socket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.transport.RecordingThreadFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Event loops exist while sockets hold them, and their threads come from the application's factory. */
@Timeout(60)
class EventLoopGroupTest {

    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void loopThreadsComeFromTheGivenFactoryAndEndAfterTheLastSocketCloses() throws Exception {
        RecordingThreadFactory factory = new RecordingThreadFactory("app-loop");
        PipeOptions options = PipeOptions.builder().threadFactory(factory).build();

        exchangeOneMessageAndCloseEverything(options);

        assertThat(factory.made()).as("loop threads taken from the factory").isNotEmpty();
        factory.assertAllEndWithin(Duration.ofSeconds(10));
    }

    @Test
    void socketsMadeAfterTheLoopsEndedGetNewLoopsThatEndAgain() throws Exception {
        RecordingThreadFactory factory = new RecordingThreadFactory("app-loop");
        PipeOptions options = PipeOptions.builder().threadFactory(factory).build();
        exchangeOneMessageAndCloseEverything(options);
        factory.assertAllEndWithin(Duration.ofSeconds(10));
        int first = factory.made().size();

        exchangeOneMessageAndCloseEverything(options);

        assertThat(factory.made()).as("new loops for the new sockets").hasSizeGreaterThan(first);
        factory.assertAllEndWithin(Duration.ofSeconds(10));
    }

    @Test
    void aServerAloneHoldsItsLoopUntilClosed() throws Exception {
        RecordingThreadFactory factory = new RecordingThreadFactory("app-loop");
        PipeServer server = Pipes.server(ANY_PORT, PipeOptions.builder().threadFactory(factory).build());
        assertThat(factory.made()).hasSize(1);
        assertThat(factory.made().get(0).isAlive()).as("the server's loop runs while it is open").isTrue();

        server.close();

        factory.assertAllEndWithin(Duration.ofSeconds(10));
    }

    @Test
    void aLoopThatCannotStartLeavesNoHoldBehindSoTheOthersStillEnd() throws Exception {
        List<Thread> made = new CopyOnWriteArrayList<>();
        ThreadFactory firstOnly = (task) -> {
            if (!made.isEmpty()) {
                return null;
            }
            Thread thread = new Thread(task, "app-loop-only");
            thread.setDaemon(true);
            made.add(thread);
            return thread;
        };
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "a group has one loop per core, up to four: with one core there is no second loop to fail");
        PipeOptions options = PipeOptions.builder().threadFactory(firstOnly).build();
        PipeServer server = Pipes.server(ANY_PORT, options);

        // The client connects elsewhere: the server above must not race it for the group's second loop by accepting.
        try (PipeServer elsewhere = Pipes.server(ANY_PORT)) {
            assertThatThrownBy(() -> Pipes.connect(elsewhere.address(), options)).hasMessageContaining("returned null");
        }
        server.close();

        made.get(0).join(10_000);
        assertThat(made.get(0).isAlive()).as("the server's loop ends with the server, the failed client holding nothing")
                .isFalse();
    }

    private static void exchangeOneMessageAndCloseEverything(PipeOptions options) throws Exception {
        try (PipeServer server = Pipes.server(ANY_PORT, options);
                Pipe client = Pipes.connect(server.address(), options);
                Pipe served = server.accept(Duration.ofSeconds(10))) {
            client.write("ping");
            assertThat(served.readString(Duration.ofSeconds(10))).isEqualTo("ping");
            served.write("pong");
            assertThat(client.readString(Duration.ofSeconds(10))).isEqualTo("pong");
        }
    }
}
