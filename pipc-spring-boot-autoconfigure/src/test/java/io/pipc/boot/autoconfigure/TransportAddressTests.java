package io.pipc.boot.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import io.pipc.PipeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.messaging.Message;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each transport's properties reach the right factory call with the right address, and a
 * client entry reaches a server entry, over the real transports.
 */
@Timeout(30)
class TransportAddressTests {

    @TempDir
    Path directory;

    private final RecordingPipeFactory factory = new RecordingPipeFactory();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
            .withBean(PipeFactory.class, () -> this.factory);

    @Test
    void tcpClientEntryConnectsToTheServerEntry() {
        this.runner.withBean("apiIn", QueueChannel.class)
                .withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                        "pipc.servers.api.inbound-channel=apiIn")
                .run((server) -> {
                    int port = ((InetSocketAddress) server.getBean("apiPipeServer", PipeServer.class).address()).getPort();
                    new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class))
                            .withPropertyValues("pipc.pipes.client.transport=tcp", "pipc.pipes.client.mode=connect",
                                    "pipc.pipes.client.port=" + port)
                            .run((client) -> {
                                client.getBean(PipeRegistry.class).getPipe("client").write("hello server");

                                Message<?> message = server.getBean("apiIn", QueueChannel.class).receive(10_000);
                                assertThat(message).isNotNull();
                                assertThat(message.getPayload()).isEqualTo("hello server".getBytes());
                            });
                });
    }

    @Test
    void tcpRendezvousMeetsThePeerHostFromItsLocalAddress() throws IOException {
        int port = RendezvousPorts.freeOnBothHosts();
        this.runner.withPropertyValues("pipc.pipes.a.transport=tcp", "pipc.pipes.a.port=" + port,
                "pipc.pipes.a.host=127.0.0.2", "pipc.pipes.a.local-address=127.0.0.1", "pipc.pipes.b.transport=tcp",
                "pipc.pipes.b.port=" + port, "pipc.pipes.b.host=127.0.0.1", "pipc.pipes.b.local-address=127.0.0.2")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    context.getBean(PipeRegistry.class).getPipe("a").write("over tcp");

                    assertThat(context.getBean(PipeRegistry.class).getPipe("b").readString(Duration.ofSeconds(10)))
                            .isEqualTo("over tcp");
                    assertThat(this.factory.calls()).contains("remote 127.0.0.2:" + port, "remote 127.0.0.1:" + port);
                    assertThat(this.factory.options("a").localAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
                });
    }

    @Test
    void unixEntriesWithoutPathUseTheirKeyInThePipcDirectory() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.servers.api.transport=unix",
                "pipc.servers.api.inbound-channel=apiIn", "pipc.pipes.api.transport=unix")
                .withBean("apiIn", QueueChannel.class)
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean("apiPipeServer", PipeServer.class).address())
                            .isEqualTo(UnixDomainSocketAddress.of(this.directory.resolve("api.sock")));
                    // A bare name: the core resolves it in PipeOptions.directory(), which is pipc.directory.
                    // options() waits for the pipe, which opens in the background; the call is noted before.
                    assertThat(this.factory.options("api").directory()).isEqualTo(this.directory);
                    assertThat(this.factory.calls()).contains("connect api.sock");
                });
    }

    @Test
    void aUnixFileNameIsASocketInThePipcDirectory() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.servers.api.transport=unix",
                "pipc.servers.api.path=orders.sock")
                .run((context) -> assertThat(context.getBean("apiPipeServer", PipeServer.class).address())
                        .isEqualTo(UnixDomainSocketAddress.of(this.directory.resolve("orders.sock"))));
    }

    @Test
    void aRelativeUnixPathWithDirectoriesIsRefusedNamingTheProperty() {
        this.runner.withPropertyValues("pipc.directory=" + this.directory, "pipc.servers.api.transport=unix",
                "pipc.servers.api.path=sockets/api.sock")
                .run((context) -> assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("pipc.servers.api.path must be a file name (a socket in pipc.directory)"
                                + " or an absolute path (was 'sockets/api.sock')"));
    }

    @Test
    void absoluteUnixPathIsUsedAsItIs() {
        Path socket = this.directory.resolve("elsewhere.sock");
        this.runner.withPropertyValues("pipc.servers.api.transport=unix", "pipc.servers.api.path=" + socket)
                .run((context) -> assertThat(this.factory.calls())
                        .containsExactly("server " + UnixDomainSocketAddress.of(socket)));
    }

    @Test
    void serverHostIsTheBindAddress() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.host=127.0.0.2")
                .run((context) -> assertThat(context.getBean("apiPipeServer", PipeServer.class).address())
                        .isInstanceOfSatisfying(InetSocketAddress.class,
                                (address) -> assertThat(address.getAddress().getHostAddress()).isEqualTo("127.0.0.2")));
    }
}
