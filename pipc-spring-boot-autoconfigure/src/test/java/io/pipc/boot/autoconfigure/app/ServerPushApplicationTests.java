package io.pipc.boot.autoconfigure.app;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.integration.event.PipeServerListeningEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.ServiceActivator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One-way in and out on a server: what the activator sends to the outbound channel reaches
 * the client named by the {@code pipc_connectionId} header its reply kept from the request,
 * and no other client. Over a real TCP server and two plain {@link Pipes#connect} clients.
 */
@SpringBootTest(properties = { "pipc.servers.events.transport=tcp", "pipc.servers.events.port=0",
        "pipc.servers.events.codec=string", "pipc.servers.events.inbound-channel=eventsIn",
        "pipc.servers.events.outbound-channel=eventsOut" })
@Timeout(30)
class ServerPushApplicationTests {

    @Autowired
    private EventsApplication application;

    @Test
    void messageToTheOutboundChannelGoesToTheClientItsConnectionIdNames() throws Exception {
        SocketAddress address = this.application.listening.get(10, TimeUnit.SECONDS);
        try (Pipe alice = Pipes.connect(address); Pipe bob = Pipes.connect(address)) {
            bob.write("subscribe");

            assertThat(bob.readString(Duration.ofSeconds(10))).isEqualTo("subscribed: subscribe");
            // Had bob's message gone to every client, it would reach alice before her own answer.
            alice.write("marker");
            assertThat(alice.readString(Duration.ofSeconds(10))).isEqualTo("subscribed: marker");
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class EventsApplication {

        final CompletableFuture<SocketAddress> listening = new CompletableFuture<>();

        @EventListener
        void listening(PipeServerListeningEvent event) {
            this.listening.complete(event.getAddress());
        }

        /** The reply keeps the request's headers, {@code pipc_connectionId} among them. */
        @ServiceActivator(inputChannel = "eventsIn", outputChannel = "eventsOut")
        String subscribe(String request) {
            return "subscribed: " + request;
        }
    }
}
