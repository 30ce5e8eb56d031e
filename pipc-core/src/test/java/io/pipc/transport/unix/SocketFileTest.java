package io.pipc.transport.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.posix.FileStatus;
import io.pipc.posix.FileType;
import io.pipc.posix.Posix;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where a Unix socket server's file goes, how it is made, what it does to whatever is already
 * at its path, and how it goes away. Giving a file or directory to another user needs root
 * ({@code chown}); without root those cases are skipped with that reason.
 */
@Timeout(30)
class SocketFileTest {

    private final Posix posix = Posix.system();
    private final List<Closeable> toClose = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** Where absolute socket paths go: made by JUnit, mode 0700. */
    @TempDir
    Path dir;

    /** Outside the socket directory: where symbolic links point. */
    @TempDir
    Path elsewhere;

    @AfterEach
    void tearDown() throws Exception {
        for (Closeable closeable : toClose) {
            closeable.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Something already at the path a server is asked to listen on. */
    enum Planted {
        REGULAR_FILE("a regular file"),
        SYMLINK_TO_FILE("a symbolic link"),
        SYMLINK_TO_DEV_NULL("a symbolic link"),
        SYMLINK_TO_DIRECTORY("a symbolic link"),
        SYMLINK_TO_NOTHING("a symbolic link"),
        DIRECTORY("a directory"),
        FIFO("a FIFO");

        final String described;

        Planted(String described) {
            this.described = described;
        }
    }

    private PipeServer server(Path path, PipeOptions options) {
        PipeServer server = Pipes.server(UnixDomainSocketAddress.of(path), options);
        toClose.add(server);
        return server;
    }

    private PipeServer server(Path path) {
        return server(path, PipeOptions.defaults());
    }

    private FileStatus status(Path path) throws IOException {
        FileStatus status = posix.lstat(path);
        assertThat(status).as("what is at %s", path).isNotNull();
        return status;
    }

    /** Serves one message from a fresh client, proving the server is the one reachable at its path. */
    private void assertServes(PipeServer server, Path path) throws Exception {
        try (Pipe client = Pipes.connect(UnixDomainSocketAddress.of(path));
                Pipe accepted = server.accept(Duration.ofSeconds(10))) {
            client.write("ping");
            assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("ping");
        }
    }

    @Test
    void aBareNameLandsInThePrivateDirectoryForServerAndClient() throws Exception {
        Path privateDirectory = dir.resolve("private");
        PipeOptions options = PipeOptions.builder().directory(privateDirectory).build();

        PipeServer server = server(Path.of("api.sock"), options);

        assertThat(server.address()).isEqualTo(UnixDomainSocketAddress.of(privateDirectory.resolve("api.sock")));
        assertThat(status(privateDirectory).permissions()).isEqualTo(0700);
        assertThat(UnixTransport.resolve(UnixDomainSocketAddress.of("api.sock"), options)).isEqualTo(server.address());
        try (Pipe client = Pipes.connect(UnixDomainSocketAddress.of("api.sock"), options);
                Pipe accepted = server.accept(Duration.ofSeconds(10))) {
            client.write("found you");
            assertThat(accepted.readString(Duration.ofSeconds(10))).isEqualTo("found you");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sub/api.sock", "../api.sock", "..", ".", "api sock", "api:sock"})
    void aRelativeAddressThatIsNotAPlainFileNameIsRefusedForServerAndClient(String name) throws Exception {
        PipeOptions options = PipeOptions.builder().directory(dir.resolve("private")).build();
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(name);

        assertThatThrownBy(() -> Pipes.server(address, options)).isInstanceOf(PipeException.class)
                .hasMessageContaining("'" + Path.of(name) + "' is relative but not a plain file name");
        assertThatThrownBy(() -> Pipes.connect(address, options)).isInstanceOf(PipeException.class)
                .hasMessageContaining("[A-Za-z0-9._-]");
        assertThat(entries(dir)).isEmpty();
    }

    @Test
    void anEmptyAddressIsRefused() {
        assertThatThrownBy(() -> Pipes.server(UnixDomainSocketAddress.of(""))).isInstanceOf(PipeException.class)
                .hasMessageContaining("needs a path");
    }

    @Test
    void theRootDirectoryIsRefusedAsNoSocketFile() {
        assertThatThrownBy(() -> Pipes.server(UnixDomainSocketAddress.of("/"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("socket path / names no file");
        assertThatThrownBy(() -> Pipes.connect(UnixDomainSocketAddress.of("/"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("socket path / names no file");
    }

    @Test
    void aPathLongerThanTheSystemAllowsIsRefusedSayingTheLimit() {
        Path path = dir.resolve("x".repeat(SocketPath.MAX_PATH_BYTES));

        assertThatThrownBy(() -> server(path)).isInstanceOf(PipeException.class)
                .hasMessageContaining("at most " + SocketPath.MAX_PATH_BYTES).hasMessageContaining("shorter name");
    }

    @Test
    void theSocketFileIsASocketOfOursForOurUserOnly() throws Exception {
        Path path = dir.resolve("api.sock");

        server(path);

        FileStatus status = status(path);
        assertThat(status.type()).isEqualTo(FileType.SOCKET);
        assertThat(status.owner()).isEqualTo(posix.uid());
        // bind(2) makes it 0777 & ~umask (0755 under the usual umask); the server narrows it.
        assertThat(status.permissions()).isEqualTo(0600);
    }

    @Test
    void admittingOtherUsersMakesTheSocketFileWritableByThem() throws Exception {
        Path path = dir.resolve("api.sock");

        server(path, PipeOptions.builder().allowAnyPeerUser(true).build());

        assertThat(status(path).permissions()).isEqualTo(0666);
    }

    @Test
    void aStaleSocketFileOfOursIsReplaced() throws Exception {
        Path path = dir.resolve("api.sock");
        leaveStaleSocket(path);

        PipeServer server = server(path);

        // The stale file refused every connect: that a server answers proves it was replaced.
        assertServes(server, path);
        assertThat(status(path).permissions()).isEqualTo(0600);
    }

    @Test
    void aSocketSomebodyListensOnIsRefusedAndKeepsServing() throws Exception {
        Path path = dir.resolve("api.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(path));
            FileStatus before = status(path);

            assertThatThrownBy(() -> server(path)).isInstanceOf(PipeException.class)
                    .hasMessageContaining("address in use: another server listens on " + path);

            assertThat(status(path).isSameFile(before)).isTrue();
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                client.write(ByteBuffer.wrap(new byte[] {42}));
                // One probe connection of the refused server came first; then ours.
                try (SocketChannel probe = other.accept(); SocketChannel ours = other.accept()) {
                    ByteBuffer received = ByteBuffer.allocate(1);
                    ours.read(received);
                    assertThat(received.get(0)).isEqualTo((byte) 42);
                }
            }
        }
    }

    @Test
    void aSecondServerOnThePathOfALiveOneIsRefusedAndTheFirstServesOn() throws Exception {
        Path path = dir.resolve("api.sock");
        PipeServer first = server(path);

        assertThatThrownBy(() -> server(path)).isInstanceOf(PipeException.class)
                .hasMessageContaining("address in use: another server listens on " + path);

        assertServes(first, path);
    }

    @ParameterizedTest
    @EnumSource(Planted.class)
    void anythingButASocketIsRefusedAndLeftUntouched(Planted planted) throws Exception {
        Path path = dir.resolve("api.sock");
        plant(planted, path);
        String before = fingerprint(path);

        assertThatThrownBy(() -> server(path)).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing socket file " + path + ": it is " + planted.described)
                .hasMessageContaining("not a socket; pipc leaves it untouched");

        assertThat(fingerprint(path)).isEqualTo(before);
        assertThat(entries(dir)).containsExactly(path);
    }

    @Test
    void aStaleSocketOfAnotherUserIsRefusedAndLeftUntouched() throws Exception {
        assumeTrue(posix.uid() == 0, "giving a socket file to another user needs root (chown)");
        Path path = dir.resolve("api.sock");
        leaveStaleSocket(path);
        Files.setAttribute(path, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        String before = fingerprint(path);

        assertThatThrownBy(() -> server(path)).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing socket file " + path + ": it is a stale socket (nobody listens on it)"
                        + " owned by uid 65534");

        assertThat(fingerprint(path)).isEqualTo(before);
    }

    @Test
    void closingRemovesTheSocketFile() throws Exception {
        Path path = dir.resolve("api.sock");
        PipeServer server = server(path);

        server.close();

        assertThat(posix.lstat(path)).isNull();
    }

    @Test
    void closingLeavesASuccessorsSocketFileAlone() throws Exception {
        Path path = dir.resolve("api.sock");
        PipeServer server = server(path);
        // Someone removed our file and a successor now listens there.
        Files.delete(path);
        try (ServerSocketChannel successor = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            successor.bind(UnixDomainSocketAddress.of(path));
            FileStatus theirs = status(path);

            server.close();

            assertThat(status(path).isSameFile(theirs)).isTrue();
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                assertThat(client.isConnected()).isTrue();
            }
        }
    }

    @Test
    void serversRacingForOneStaleFileLeaveExactlyOneReachableWinner() throws Exception {
        Path path = dir.resolve("api.sock");
        for (int round = 0; round < 20; round++) {
            leaveStaleSocket(path);
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<PipeServer>> racers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                racers.add(threads.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return Pipes.server(UnixDomainSocketAddress.of(path));
                }));
            }
            List<PipeServer> winners = new ArrayList<>();
            List<Throwable> losers = new ArrayList<>();
            for (Future<PipeServer> racer : racers) {
                try {
                    winners.add(racer.get(20, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    losers.add(e.getCause());
                }
            }
            assertThat(winners).as("round %d", round).hasSize(1);
            assertThat(losers).singleElement().asInstanceOf(InstanceOfAssertFactories.THROWABLE)
                    .hasMessageContaining("address in use");
            PipeServer winner = winners.get(0);
            assertServes(winner, path);
            winner.close();
        }
    }

    @Test
    void aDirectoryOthersMayWriteWithoutTheStickyBitIsRefused() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> server(open.resolve("api.sock"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing socket directory " + open + ": it has mode 0777")
                .hasMessageContaining("sticky bit");
        assertThat(entries(open)).isEmpty();
    }

    @Test
    void aDirectoryAboveThatOthersMayWriteIsRefusedToo() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Path inner = Files.createDirectory(open.resolve("inner"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwx---"));

        assertThatThrownBy(() -> server(inner.resolve("api.sock"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing socket directory " + open + ": it has mode 0770 (above " + inner + ")");
        assertThat(entries(inner)).isEmpty();
    }

    @Test
    void aStickyDirectoryThatAllMayWriteIsAccepted() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        posix.chmod(shared, 01777);

        assertServes(server(shared.resolve("api.sock")), shared.resolve("api.sock"));
    }

    @Test
    void aPathThroughASymbolicLinkIsRefusedNamingTheRealPath() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), elsewhere);

        assertThatThrownBy(() -> server(link.resolve("api.sock"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing socket directory " + link + ": it is not a real path")
                .hasMessageContaining("Use the real path " + elsewhere.toRealPath());
        assertThat(entries(elsewhere)).isEmpty();
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue(posix.uid() == 0, "giving a directory to another user needs root (chown)");
        Path theirs = Files.createDirectory(dir.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 65534);

        assertThatThrownBy(() -> server(theirs.resolve("api.sock"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing socket directory " + theirs + ": it is owned by uid 65534");
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path missing = dir.resolve("missing");

        assertThatThrownBy(() -> server(missing.resolve("api.sock"))).isInstanceOf(PipeException.class)
                .hasMessageContaining("directory " + missing + " does not exist");
    }

    @Test
    void aPrivateDirectoryOpenToOthersIsRefusedForABareName() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        PipeOptions options = PipeOptions.builder().directory(shared).build();

        assertThatThrownBy(() -> Pipes.server(UnixDomainSocketAddress.of("api.sock"), options))
                .isInstanceOf(PipeException.class).hasMessageContaining("private directory " + shared + " refused");
        assertThat(entries(shared)).isEmpty();
    }

    private static void leaveStaleSocket(Path path) throws IOException {
        // Closing a bound channel leaves its file behind, as a crashed server does.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
    }

    private void plant(Planted planted, Path path) throws IOException {
        switch (planted) {
            case REGULAR_FILE -> Files.writeString(path, "precious");
            case SYMLINK_TO_FILE -> Files.createSymbolicLink(path, Files.writeString(elsewhere.resolve("precious"), "precious"));
            case SYMLINK_TO_DEV_NULL -> Files.createSymbolicLink(path, Path.of("/dev/null"));
            case SYMLINK_TO_DIRECTORY -> {
                Path target = Files.createDirectory(elsewhere.resolve("target"));
                Files.writeString(target.resolve("inside"), "precious");
                Files.createSymbolicLink(path, target);
            }
            case SYMLINK_TO_NOTHING -> Files.createSymbolicLink(path, elsewhere.resolve("would-be-created"));
            case DIRECTORY -> Files.createDirectory(path);
            case FIFO -> posix.mkfifo(path, 0600);
        }
    }

    /** Everything that could change about a path and, for a link, its target: type, owner, mode, inode, times, content. */
    private static String fingerprint(Path path) throws IOException {
        StringBuilder out = new StringBuilder(describe(path, LinkOption.NOFOLLOW_LINKS));
        if (Files.isSymbolicLink(path)) {
            Path target = Files.readSymbolicLink(path);
            out.append(" -> ").append(target).append(": ");
            out.append(Files.exists(target, LinkOption.NOFOLLOW_LINKS) ? describe(target) : "nothing");
        }
        return out.toString();
    }

    private static String describe(Path path, LinkOption... options) throws IOException {
        // A device's times move whenever anyone uses it (/dev/null): compare what a server could change.
        boolean device = path.startsWith("/dev");
        Map<String, Object> attributes = new TreeMap<>(Files.readAttributes(path,
                device ? "unix:mode,uid,gid,ino,dev,nlink" : "unix:mode,uid,gid,ino,dev,size,lastModifiedTime,ctime,nlink",
                options));
        StringBuilder out = new StringBuilder(attributes.toString());
        if (Files.isRegularFile(path, options)) {
            out.append(" content=").append(Files.readString(path));
        } else if (Files.isDirectory(path, options)) {
            out.append(" entries=").append(entries(path));
        }
        return out.toString();
    }

    private static List<Path> entries(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }
}
