package io.pipc.boot.autoconfigure;

import java.lang.management.ManagementFactory;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.integration.LiveThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server's threads do not grow with its clients: one thread reads the server and every
 * client, and {@code handler-threads} hand their messages to the flow. With 500 clients
 * connected and each answered, the JVM has about as many threads as with 10.
 */
@Timeout(60)
class ManyClientsTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
            .withUserConfiguration(Answering.class)
            .withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                    "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=requests",
                    "pipc.servers.api.codec=string", "pipc.servers.api.handler-threads=4");

    @Test
    void fiveHundredClientsAreEachAnsweredWithoutAThreadEach() {
        this.runner.run((context) -> {
            SocketAddress address = context.getBean("apiPipeServer", PipeServer.class).address();
            List<Pipe> clients = new ArrayList<>();
            try {
                connectAndAsk(address, clients, 10);
                int withTen = ManagementFactory.getThreadMXBean().getThreadCount();
                long serverThreadsWithTen = serverThreads();

                connectAndAsk(address, clients, 490);
                int withFiveHundred = ManagementFactory.getThreadMXBean().getThreadCount();

                assertThat(clients).hasSize(500);
                // At least the accepting thread and a handler: the executor may have ended some of the
                // handlers the first clients made, once it saw that the flow does not wait.
                assertThat(serverThreadsWithTen).as("the server's threads with ten clients").isBetween(2L, 1L + 4 + 1);
                assertThat(serverThreads()).as("the server's accepting thread, handler threads and their executor's watch")
                        .isBetween(2L, 1L + 4 + 1);
                assertThat(withFiveHundred - withTen).as("threads added by 490 more clients").isLessThan(20);
            }
            finally {
                clients.forEach(Pipe::close);
            }
        });
    }

    /** Connects {@code count} more clients; each sends one request at once, then each checks its own answer. */
    private static void connectAndAsk(SocketAddress address, List<Pipe> clients, int count) {
        List<Pipe> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Pipe client = Pipes.connect(address);
            added.add(client);
            clients.add(client);
        }
        for (int i = 0; i < added.size(); i++) {
            added.get(i).write(new Envelope(bytes("client " + (clients.size() - count + i)), "q" + i, null));
        }
        for (int i = 0; i < added.size(); i++) {
            Envelope answer = added.get(i).readEnvelope(WAIT);
            assertThat(answer.correlationId()).isEqualTo("q" + i);
            assertThat(new String(answer.payload(), StandardCharsets.UTF_8))
                    .isEqualTo("answer to client " + (clients.size() - count + i));
        }
    }

    /** The server's accepting thread and its handler threads. */
    private static long serverThreads() {
        return LiveThreads.names().stream().filter((name) -> name.startsWith("pipc-server-api")).count();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Configuration(proxyBeanMethods = false)
    static class Answering {

        @Bean
        IntegrationFlow answering() {
            return IntegrationFlow.from("requests").<String, String>transform((request) -> "answer to " + request).get();
        }
    }
}
