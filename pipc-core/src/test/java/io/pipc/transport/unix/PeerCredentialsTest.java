package io.pipc.transport.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.posix.Posix;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may be at the other end of a Unix socket, with a real process of another user there (see
 * {@link OtherUser}): by default only this process's user, for servers and for clients;
 * otherwise whom {@code allowedPeerUsers} or {@code allowAnyPeerUser} names. Without root these
 * tests are skipped, saying so.
 */
@Timeout(30)
class PeerCredentialsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final Posix posix = Posix.system();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path dir;

    /** Where our servers listen: the other user may enter it, not write in it. */
    private Path shared;

    @BeforeEach
    void openTheWayForTheOtherUser() throws IOException {
        posix.chmod(dir, 0711);
        shared = Files.createDirectory(dir.resolve("shared"));
        posix.chmod(shared, 0711);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    private PipeServer server(PipeOptions options) {
        PipeServer server = Pipes.server(UnixDomainSocketAddress.of(shared.resolve("api.sock")), options);
        toClose.add(server);
        return server;
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    /** The server goes on serving its own user after refusing someone. */
    private static void assertServesItsOwnUser(PipeServer server) {
        try (Pipe client = Pipes.connect(server.address()); Pipe accepted = server.accept(WAIT)) {
            client.write("own user");
            assertThat(accepted.readString(WAIT)).isEqualTo("own user");
        }
    }

    @Test
    void aClientOfAnotherUserCannotEvenConnectByDefault() throws Exception {
        OtherUser other = OtherUser.require();
        PipeServer server = server(PipeOptions.defaults());

        OtherUser.Peer client = closing(other.client(shared.resolve("api.sock"), "first-bytes"));

        // The owner-only socket file stops it in the kernel (EACCES); the credential check is the second wall.
        assertThat(client.nextLine(WAIT)).isEqualTo("connect-failed errno 13");
        assertServesItsOwnUser(server);
    }

    @Test
    void aClientOfAnUnlistedUserIsClosedBeforeAnyByteOfPipcAndOthersAreServed() throws Exception {
        OtherUser other = OtherUser.require();
        // uid 1 (a number is taken as a uid): someone other than the peer, so the file is open to all.
        PipeServer server = server(PipeOptions.builder().allowedPeerUsers(Set.of("1")).build());

        OtherUser.Peer client = closing(other.client(shared.resolve("api.sock"), "first-bytes"));

        assertThat(client.nextLine(WAIT)).isEqualTo("closed before any byte");
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(200))).isInstanceOf(PipeTimeoutException.class);
        assertThat(server.refusedConnections()).as("refusals counted, for metrics").isEqualTo(1);
        assertServesItsOwnUser(server);
    }

    @Test
    void allowedPeerUsersAdmitsThatUser() throws Exception {
        OtherUser other = OtherUser.require();
        PipeServer server = server(PipeOptions.builder().allowedPeerUsers(Set.of(other.name())).build());

        assertTalksWithAClientOf(other, server);
    }

    @Test
    void allowAnyPeerUserAdmitsAnyUser() throws Exception {
        OtherUser other = OtherUser.require();
        PipeServer server = server(PipeOptions.builder().allowAnyPeerUser(true).build());

        assertTalksWithAClientOf(other, server);
    }

    private void assertTalksWithAClientOf(OtherUser other, PipeServer server) throws IOException {
        OtherUser.Peer client = closing(other.client(shared.resolve("api.sock"), "talk"));

        Pipe accepted = closing(server.accept(WAIT));
        assertThat(accepted.readString(WAIT)).isEqualTo("hello from " + other.name());
        accepted.write("welcome");
        assertThat(client.nextLine(WAIT)).isEqualTo("received welcome");
    }

    @Test
    void aClientRefusesAServerOfAnotherUserOnItsPathBeforeSendingAByte() throws Exception {
        OtherUser other = OtherUser.require();
        Path squatted = squattedPath();
        OtherUser.Peer squatter = closing(other.server(squatted, "first-bytes"));
        assertThat(squatter.nextLine(WAIT)).isEqualTo("listening");

        assertThatThrownBy(() -> Pipes.connect(UnixDomainSocketAddress.of(squatted)))
                .isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing the server on " + squatted + ": it runs as user '" + other.name() + "'")
                .hasMessageContaining("allowedPeerUsers");

        assertThat(squatter.nextLine(WAIT)).isEqualTo("closed before any byte");
    }

    @Test
    void aClientTrustsAServerOfAListedUser() throws Exception {
        OtherUser other = OtherUser.require();
        Path path = squattedPath();
        OtherUser.Peer server = closing(other.server(path, "talk"));
        assertThat(server.nextLine(WAIT)).isEqualTo("listening");

        Pipe client = closing(Pipes.connect(UnixDomainSocketAddress.of(path),
                PipeOptions.builder().allowedPeerUsers(Set.of(other.name())).build()));

        assertThat(client.readString(WAIT)).isEqualTo("hello from " + other.name());
        client.write("welcome");
        assertThat(server.nextLine(WAIT)).isEqualTo("received welcome");
    }

    /** A path in a sticky directory open to all, as /tmp is, where the other user can listen first. */
    private Path squattedPath() throws IOException {
        Path open = Files.createDirectory(dir.resolve("open"));
        posix.chmod(open, 01777);
        return open.resolve("api.sock");
    }
}
