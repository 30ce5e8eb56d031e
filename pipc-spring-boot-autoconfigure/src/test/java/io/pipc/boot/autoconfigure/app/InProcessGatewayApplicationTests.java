package io.pipc.boot.autoconfigure.app;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.boot.autoconfigure.PipeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.messaging.handler.annotation.Header;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application whose only configuration is {@code application.yml}-style properties and a
 * {@code @ServiceActivator}: requests arrive over an in-process pipe and the activator's return
 * value goes back as the reply.
 */
@SpringBootTest(properties = { "pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.codec=string",
        "pipc.pipes.orders.gateway=true", "pipc.pipes.orders.inbound-channel=ordersIn" })
@Timeout(30)
class InProcessGatewayApplicationTests {

    @Autowired
    private PipeRegistry registry;

    @Test
    void serviceActivatorsReturnValueIsTheReply() {
        Pipe client = this.registry.inProcessPeer("orders");

        client.write(new Envelope("two apples".getBytes(StandardCharsets.UTF_8), "order-1", null));

        Envelope reply = client.readEnvelope(Duration.ofSeconds(10));
        assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("accepted: two apples via orders");
        assertThat(reply.correlationId()).isEqualTo("order-1");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OrdersApplication {

        @ServiceActivator(inputChannel = "ordersIn")
        String accept(String order, @Header("pipc_pipeName") String pipe) {
            return "accepted: " + order + " via " + pipe;
        }
    }
}
