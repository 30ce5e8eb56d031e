package io.pipc.transport.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Unix socket server as an application meets it: named by a bare file name, selectable, and
 * clear about what it cannot do. The engine's behaviour over Unix sockets (a hundred clients
 * each in order, backpressure, disconnect) is in {@code SocketPipeTest}.
 */
@Timeout(30)
class UnixServerTest {

    @TempDir
    Path dir;

    private PipeOptions options() {
        return PipeOptions.builder().directory(dir.resolve("private")).build();
    }

    @Test
    void selectReportsAServerOnlyWhileAClientWaits() throws Exception {
        try (PipeServer server = Pipes.server(UnixDomainSocketAddress.of("api.sock"), options())) {
            assertThat(Pipes.select(List.of(server), Duration.ZERO)).isEmpty();

            try (Pipe client = Pipes.connect(UnixDomainSocketAddress.of("api.sock"), options())) {
                assertThat(Pipes.select(List.of(server), Duration.ofSeconds(10))).containsExactly(server);
                try (Pipe accepted = server.accept(Duration.ZERO)) {
                    assertThat(accepted.transport()).isEqualTo(Transport.UNIX);
                    assertThat(Pipes.select(List.of(server), Duration.ZERO)).isEmpty();
                }
            }
        }
    }

    @Test
    void connectingToANameNobodyServesSaysWhereAndWhatToCheck() {
        Path expected = dir.resolve("private").resolve("nobody-here.sock");

        assertThatThrownBy(() -> Pipes.connect(UnixDomainSocketAddress.of("nobody-here.sock"), options()))
                .isInstanceOf(PipeException.class)
                .hasMessageContaining(expected.toString())
                .hasMessageContaining("is the server running");
    }

    @Test
    void anUnknownUserInAllowedPeerUsersIsRefusedBeforeAnythingIsMade() throws Exception {
        PipeOptions options = options().toBuilder().allowedPeerUsers(Set.of("no-such-user-of-pipc")).build();

        assertThatThrownBy(() -> Pipes.server(UnixDomainSocketAddress.of(dir.resolve("api.sock")), options))
                .isInstanceOf(PipeException.class)
                .hasMessageContaining("allowedPeerUsers names 'no-such-user-of-pipc', but this host has no such user");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aClosedServerCanBeStartedAgainOnTheSameName() throws Exception {
        PipeServer first = Pipes.server(UnixDomainSocketAddress.of("api.sock"), options());
        first.close();

        try (PipeServer second = Pipes.server(UnixDomainSocketAddress.of("api.sock"), options());
                Pipe client = Pipes.connect(UnixDomainSocketAddress.of("api.sock"), options());
                Pipe accepted = second.accept(Duration.ofSeconds(10))) {
            client.write("again");
            assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("again");
        }
    }
}
