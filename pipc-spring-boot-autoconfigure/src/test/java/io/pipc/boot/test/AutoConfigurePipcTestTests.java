package io.pipc.boot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.PipeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application whose pipes have no peer in the test (a FIFO, a TCP client of a server that
 * is not there) and whose server's port is taken: with {@code @AutoConfigurePipcTest} it starts
 * at once, the test plays every pipe's peer, and the server listens on a free port.
 */
@SpringBootTest(properties = { "pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.codec=string",
        "pipc.pipes.orders.gateway=true", "pipc.pipes.orders.inbound-channel=ordersIn",
        "pipc.pipes.audit.transport=tcp", "pipc.pipes.audit.mode=connect", "pipc.pipes.audit.port=1",
        "pipc.pipes.audit.codec=string", "pipc.pipes.audit.outbound-channel=auditOut",
        "pipc.servers.api.transport=tcp", "pipc.servers.api.codec=string", "pipc.servers.api.gateway=true",
        "pipc.servers.api.inbound-channel=ordersIn" })
@AutoConfigurePipcTest
@Timeout(30)
class AutoConfigurePipcTestTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Holds the port the server is configured with, so that it cannot listen there. */
    private static final ServerSocket taken = bindAnyPort();

    @Autowired
    private PipeRegistry pipes;

    @Value("${local.pipc.server.api.port}")
    private int apiPort;

    @DynamicPropertySource
    static void takenPort(DynamicPropertyRegistry registry) {
        registry.add("pipc.servers.api.port", taken::getLocalPort);
    }

    @AfterAll
    static void release() throws IOException {
        taken.close();
    }

    @Test
    void theTestIsThePeerOfAPipeThatWouldWaitForAnotherProcess() {
        Pipe orders = this.pipes.inProcessPeer("orders");

        orders.write(new Envelope("two apples".getBytes(StandardCharsets.UTF_8), "order-1", null));

        Envelope reply = orders.readEnvelope(WAIT);
        assertThat(new String(reply.payload(), StandardCharsets.UTF_8)).isEqualTo("accepted two apples over fifo");
        assertThat(reply.correlationId()).isEqualTo("order-1");
    }

    @Test
    void theTestReadsWhatTheApplicationWritesToAPipeWhoseServerIsNotThere(@Autowired MessageChannel auditOut) {
        auditOut.send(MessageBuilder.withPayload("order-1 accepted").build());

        assertThat(this.pipes.inProcessPeer("audit").readString(WAIT)).isEqualTo("order-1 accepted");
    }

    @Test
    void serverListensOnAFreePortGivenAsAPropertyAndByTheRegistry() {
        assertThat(this.apiPort).isEqualTo(this.pipes.getServerPort("api")).isPositive().isNotEqualTo(taken.getLocalPort());
        try (Pipe client = Pipes.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.apiPort))) {
            client.write("a pear");
            assertThat(client.readString(WAIT)).isEqualTo("accepted a pear over tcp");
        }
    }

    private static ServerSocket bindAnyPort() {
        try {
            return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OrdersApplication {

        @ServiceActivator(inputChannel = "ordersIn")
        String accept(String order, @Header("pipc_transport") String transport) {
            return "accepted " + order + " over " + transport;
        }
    }
}
