package io.pipc.boot.autoconfigure.app;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.integration.event.PipeServerListeningEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.ServiceActivator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TCP server from properties with a JSON codec: the activator takes an {@code Order} and its
 * {@code Confirmation} goes back to the client that asked, a plain {@link Pipes#connect} to the
 * listening event's address (port 0 made real).
 */
@SpringBootTest(properties = { "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
        "pipc.servers.api.codec=json", "pipc.servers.api.json-type=io.pipc.boot.autoconfigure.app.Order",
        "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=apiIn" })
@Timeout(30)
class ServerGatewayApplicationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private ApiApplication application;

    @Test
    void clientsJsonRequestGetsTheActivatorsJsonReply() throws Exception {
        SocketAddress address = this.application.listening.get(10, TimeUnit.SECONDS);
        try (Pipe client = Pipes.connect(address)) {
            client.write(new Envelope(JSON.writeValueAsBytes(new Order("pears", 3)), "o-7", "application/json"));

            Envelope reply = client.readEnvelope(Duration.ofSeconds(10));
            assertThat(JSON.readValue(reply.payload(), Confirmation.class)).isEqualTo(new Confirmation("pears", true));
            assertThat(reply.correlationId()).isEqualTo("o-7");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ApiApplication {

        final CompletableFuture<SocketAddress> listening = new CompletableFuture<>();

        @EventListener
        void listening(PipeServerListeningEvent event) {
            this.listening.complete(event.getAddress());
        }

        @ServiceActivator(inputChannel = "apiIn")
        Confirmation order(Order order) {
            return new Confirmation(order.item(), order.quantity() < 10);
        }
    }
}
