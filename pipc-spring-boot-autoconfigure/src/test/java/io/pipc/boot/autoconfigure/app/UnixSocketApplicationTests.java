package io.pipc.boot.autoconfigure.app;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.integration.PipcHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.messaging.Message;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Unix socket server and a real Unix socket client pipe, both from properties, in one
 * application: the client entry's messages reach the server's {@code @ServiceActivator}, whose
 * replies go back through the server's outbound channel to that client, by connection id.
 */
@SpringBootTest
@Timeout(30)
class UnixSocketApplicationTests {

    @TempDir
    static Path directory;

    @Autowired
    @Qualifier("clientPipe")
    private Pipe client;

    @Autowired
    private QueueChannel clientIn;

    @DynamicPropertySource
    static void pipc(DynamicPropertyRegistry registry) {
        registry.add("pipc.directory", () -> directory.toString());
        registry.add("pipc.servers.events.transport", () -> "unix");
        registry.add("pipc.servers.events.codec", () -> "string");
        registry.add("pipc.servers.events.inbound-channel", () -> "eventsIn");
        registry.add("pipc.servers.events.outbound-channel", () -> "eventsOut");
        registry.add("pipc.pipes.client.transport", () -> "unix");
        registry.add("pipc.pipes.client.path", () -> "events.sock");
        registry.add("pipc.pipes.client.codec", () -> "string");
        registry.add("pipc.pipes.client.inbound-channel", () -> "clientIn");
    }

    @Test
    void clientEntryTalksToServerEntryOverARealSocketFile() {
        this.client.write("subscribe");

        Message<?> reply = this.clientIn.receive(10_000);

        assertThat(reply).isNotNull();
        assertThat(reply.getPayload()).isEqualTo("subscribed: subscribe");
        assertThat(reply.getHeaders()).containsEntry(PipcHeaders.TRANSPORT, "unix");
        assertThat(directory.resolve("events.sock")).exists();
    }

    @Test
    void plainClientGetsItsOwnReply() {
        try (Pipe plain = Pipes.connect(UnixDomainSocketAddress.of(directory.resolve("events.sock")))) {
            plain.write("hello");

            assertThat(plain.readString(Duration.ofSeconds(10))).isEqualTo("subscribed: hello");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class EventsApplication {

        @Bean
        QueueChannel clientIn() {
            return new QueueChannel();
        }

        @ServiceActivator(inputChannel = "eventsIn", outputChannel = "eventsOut")
        String subscribe(String request) {
            return "subscribed: " + request;
        }
    }
}
