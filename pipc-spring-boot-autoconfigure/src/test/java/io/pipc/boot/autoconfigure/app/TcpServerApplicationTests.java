package io.pipc.boot.autoconfigure.app;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.integration.event.PipeServerListeningEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.integration.channel.ExecutorChannel;
import org.springframework.messaging.MessageChannel;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real TCP server from properties ({@code port: 0}), found through its listening event and
 * reached with a plain {@link Pipes#connect}: the {@code @ServiceActivator}'s replies come back
 * by correlation id, also for 100 requests sent at once over the one connection to a flow on
 * an {@code ExecutorChannel}.
 */
@SpringBootTest(properties = { "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
        "pipc.servers.api.codec=string", "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=apiIn" })
@Timeout(30)
class TcpServerApplicationTests {

    @Autowired
    private ApiApplication application;

    @Test
    void serviceActivatorAnswersOverRealTcp() throws Exception {
        try (Pipe client = Pipes.connect(this.application.listening.get(10, TimeUnit.SECONDS))) {
            client.write(new Envelope(bytes("ping"), "c-1", null));

            Envelope reply = client.readEnvelope(Duration.ofSeconds(10));

            assertThat(text(reply.payload())).isEqualTo("pong to ping");
            assertThat(reply.correlationId()).isEqualTo("c-1");
        }
    }

    @Test
    void hundredRequestsAtOnceOverOneConnectionAreEachAnswered() throws Exception {
        try (Pipe client = Pipes.connect(this.application.listening.get(10, TimeUnit.SECONDS))) {
            for (int i = 0; i < 100; i++) {
                client.write(new Envelope(bytes("q" + i), "id-" + i, null));
            }
            Map<String, String> replies = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                Envelope reply = client.readEnvelope(Duration.ofSeconds(10));
                replies.put(reply.correlationId(), text(reply.payload()));
            }

            for (int i = 0; i < 100; i++) {
                assertThat(replies).containsEntry("id-" + i, "pong to q" + i);
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ApiApplication {

        final CompletableFuture<SocketAddress> listening = new CompletableFuture<>();

        @Bean
        MessageChannel apiIn() {
            ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
            executor.setCorePoolSize(4);
            executor.initialize();
            return new ExecutorChannel(executor);
        }

        @EventListener
        void listening(PipeServerListeningEvent event) {
            this.listening.complete(event.getAddress());
        }

        @ServiceActivator(inputChannel = "apiIn")
        String pong(String request) {
            return "pong to " + request;
        }
    }
}
