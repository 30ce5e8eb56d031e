package io.pipc.transport.fifo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;
import io.pipc.posix.PrivateDirectory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC section 8 for named pipes: whatever is found in the way of a rendezvous and is not
 * exactly what pipc makes is refused with a clear error, and left exactly as it was, including
 * whatever a symbolic link points to. Both roles are covered: the creator (who finds it before
 * making its FIFOs) and the opener (who finds it where a live creator's FIFO should be; this
 * test plays that creator by holding its lock).
 *
 * <p>These tests run as root on the development machine and perhaps not in CI. "A file of
 * another user" needs {@code chown}, which only root may do: without root those cases are
 * reported as skipped, with that reason.
 */
@Timeout(30)
class FifoSecurityTest {

    private static final String NAME = "jobs";

    private final Posix posix = Posix.system();

    @TempDir
    Path dir;

    /** Outside the private directory: where symbolic links point. */
    @TempDir
    Path elsewhere;

    /** Something pre-planted at a path pipc is about to use. */
    enum Planted {
        REGULAR_FILE("a regular file"),
        SYMLINK_TO_FILE("a symbolic link"),
        SYMLINK_TO_DEV_NULL("a symbolic link"),
        SYMLINK_TO_DIRECTORY("a symbolic link"),
        FIFO_OPEN_TO_ALL("a FIFO with mode 0666, not 0600"),
        /** A second name of a FIFO outside the directory: like pipc's own in all but the link count. */
        HARD_LINK_TO_FIFO("a FIFO with 2 names (hard links)"),
        HARD_LINK_TO_FILE("a regular file, not a FIFO"),
        FIFO_OF_ANOTHER_USER("a FIFO owned by uid 65534, not by this process's user");

        final String described;

        Planted(String described) {
            this.described = described;
        }
    }

    /** Which of the two FIFO paths is occupied. */
    enum Fifo {
        TO_CREATOR(RendezvousFiles::toCreator),
        TO_OPENER(RendezvousFiles::toOpener);

        final Function<RendezvousFiles, Path> path;

        Fifo(Function<RendezvousFiles, Path> path) {
            this.path = path;
        }
    }

    static Stream<Arguments> everyPlantAtEveryFifo() {
        return Stream.of(Fifo.values()).flatMap(fifo -> Stream.of(Planted.values()).map(planted -> Arguments.of(fifo, planted)));
    }

    private RendezvousFiles files() {
        return RendezvousFiles.of(NAME, PrivateDirectory.open(dir, posix));
    }

    private PipeOptions options() {
        return PipeOptions.builder().directory(dir).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("everyPlantAtEveryFifo")
    void theCreatorRefusesAnythingButItsOwnKindOfFifoAndLeavesItUntouched(Fifo fifo, Planted planted) throws Exception {
        Path path = fifo.path.apply(files());
        plant(planted, path);
        String before = fingerprint(path);

        assertThatThrownBy(() -> Pipes.named(NAME, options()))
                .isInstanceOf(PipeException.class)
                .isNotInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("named pipe '" + NAME + "': refusing " + path + ": it is ")
                .hasMessageContaining(planted.described)
                .hasMessageContaining("left untouched");

        assertThat(fingerprint(path)).isEqualTo(before);
        assertThat(entries()).containsExactly(path);
    }

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("everyPlantAtEveryFifo")
    void theOpenerRefusesAnythingButItsOwnKindOfFifoAndLeavesItUntouched(Fifo fifo, Planted planted) throws Exception {
        RendezvousFiles files = files();
        Path path = fifo.path.apply(files);
        RendezvousLock creator = RendezvousLock.tryAcquire(posix, files.creatorLock(), NAME);
        assertThat(creator).isNotNull();
        int creatorRead = -1;
        try {
            if (fifo == Fifo.TO_OPENER) {
                // A live creator: its to-creator FIFO is real and it holds the read end.
                posix.mkfifo(files.toCreator(), 0600);
                creatorRead = posix.open(files.toCreator(), EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING));
            }
            plant(planted, path);
            String before = fingerprint(path);

            assertThatThrownBy(() -> Pipes.named(NAME, options()))
                    .isInstanceOf(PipeException.class)
                    .isNotInstanceOf(PipeTimeoutException.class)
                    .hasMessageContaining("refusing " + path + ": it is ")
                    .hasMessageContaining(planted.described);

            assertThat(fingerprint(path)).isEqualTo(before);
            assertThat(files.openerLock()).doesNotExist();
        } finally {
            if (creatorRead >= 0) {
                posix.close(creatorRead);
                posix.unlink(files.toCreator());
            }
            creator.release();
        }
        assertThat(entries()).containsExactly(path);
    }

    @Test
    void aSymbolicLinkAtTheLockFilesPathIsRefusedAndItsTargetNotCreated() throws Exception {
        Path lock = files().creatorLock();
        Path target = elsewhere.resolve("would-be-created");
        Files.createSymbolicLink(lock, target);

        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + lock + ": it is a symbolic link");

        assertThat(target).doesNotExist();
        assertThat(Files.isSymbolicLink(lock)).isTrue();
    }

    @Test
    void aSymbolicLinkToAFileAtTheLockFilesPathLeavesTheFileAsItWas() throws Exception {
        Path lock = files().creatorLock();
        Path target = Files.writeString(elsewhere.resolve("precious"), "precious");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(lock, target);
        String before = fingerprint(lock);

        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("it is a symbolic link");

        assertThat(fingerprint(lock)).isEqualTo(before);
    }

    @Test
    void aDirectoryOrAFifoAtTheLockFilesPathIsRefused() throws Exception {
        RendezvousFiles files = files();
        Files.createDirectory(files.creatorLock());

        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + files.creatorLock() + ": it is a directory");

        Files.delete(files.creatorLock());
        posix.mkfifo(files.creatorLock(), 0600);
        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + files.creatorLock() + ": it is a FIFO");
        assertThat(entries()).containsExactly(files.creatorLock());
    }

    @Test
    void aSecondNameOfAFileElsewhereAtTheLockFilesPathIsRefusedAndTheFileKeepsItsMode() throws Exception {
        Path lock = files().creatorLock();
        // Empty like a lock file, and ours: only its second name tells it from one.
        Path target = Files.createFile(elsewhere.resolve("empty"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        Files.createLink(lock, target);
        String before = fingerprint(target);

        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + lock + ": it is a file with 2 names (hard links), not a lock file pipc made");

        assertThat(fingerprint(target)).isEqualTo(before);
        assertThat(entries()).containsExactly(lock);
    }

    @Test
    void aFileWithContentAtTheLockFilesPathIsRefusedAndKept() throws Exception {
        Path lock = files().creatorLock();
        Files.writeString(lock, "precious");
        Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-------"));
        String before = fingerprint(lock);

        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + lock + ": it is a file of 8 bytes, not an empty lock file pipc made");

        assertThat(fingerprint(lock)).isEqualTo(before);
    }

    @Test
    void whatReplacedAHeldLockFileIsLeftInPlaceWhenTheLockIsReleased() throws Exception {
        Path lock = files().creatorLock();
        RendezvousLock held = RendezvousLock.tryAcquire(posix, lock, NAME);
        assertThat(held).isNotNull();
        Path replacement = Files.writeString(dir.resolve("replacement"), "precious");
        Files.move(replacement, lock, StandardCopyOption.ATOMIC_MOVE);
        String before = fingerprint(lock);

        assertThatThrownBy(held::requireStillNamed).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + lock + ": it replaced the lock file this process held");
        held.release();

        assertThat(fingerprint(lock)).isEqualTo(before);
    }

    @Test
    void aCreatorWhoseFifoIsReplacedWhileItWaitsRefusesAndLeavesTheReplacement() throws Exception {
        RendezvousFiles files = files();
        CompletableFuture<Pipe> creator = CompletableFuture.supplyAsync(() -> Pipes.named(NAME, options()));
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(files.toCreator(), LinkOption.NOFOLLOW_LINKS));
        // A FIFO nobody reads, so that the creator's next poll finds it in the way, not an open reader.
        Path replacement = elsewhere.resolve("replacement");
        mkfifo(replacement);
        Files.move(replacement, files.toOpener(), StandardCopyOption.ATOMIC_MOVE);
        String before = fingerprint(files.toOpener());

        assertThatThrownBy(() -> creator.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeException.class)
                .cause().hasMessageContaining("refusing " + files.toOpener()
                        + ": it replaced the FIFO this process made while it waited for the peer");

        assertThat(fingerprint(files.toOpener())).isEqualTo(before);
        assertThat(entries()).containsExactly(files.toOpener());
    }

    @Test
    void aCreatorWhoseLockFileIsReplacedWhileItWaitsRefusesAndRemovesOnlyItsFifos() throws Exception {
        RendezvousFiles files = files();
        CompletableFuture<Pipe> creator = CompletableFuture.supplyAsync(() -> Pipes.named(NAME, options()));
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(files.toCreator(), LinkOption.NOFOLLOW_LINKS));
        // Another process could now make a lock file there and become a second creator.
        Path replacement = Files.writeString(elsewhere.resolve("replacement"), "precious");
        Files.move(replacement, files.creatorLock(), StandardCopyOption.ATOMIC_MOVE);
        String before = fingerprint(files.creatorLock());

        assertThatThrownBy(() -> creator.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(PipeException.class)
                .cause().hasMessageContaining("refusing " + files.creatorLock() + ": it replaced the lock file this process held");

        assertThat(fingerprint(files.creatorLock())).isEqualTo(before);
        assertThat(entries()).containsExactly(files.creatorLock());
    }

    @Test
    void anOpenerWaitsForAFifoWhoseCreatorHasNotYetSetItsModeInsteadOfRefusingIt() throws Exception {
        RendezvousFiles files = files();
        RendezvousLock creator = RendezvousLock.tryAcquire(posix, files.creatorLock(), NAME);
        assertThat(creator).isNotNull();
        // What a live creator under the umask 0277 has made an instant before it sets 0600 on its descriptor.
        posix.mkfifo(files.toCreator(), 0600);
        Files.setPosixFilePermissions(files.toCreator(), PosixFilePermissions.fromString("r--------"));
        int creatorRead = posix.open(files.toCreator(), EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING));
        try {
            String before = fingerprint(files.toCreator());

            assertThatThrownBy(() -> Pipes.named(NAME, options().toBuilder().connectTimeout(Duration.ofMillis(300)).build()))
                    .isInstanceOf(PipeTimeoutException.class);

            assertThat(fingerprint(files.toCreator())).isEqualTo(before);
        } finally {
            posix.close(creatorRead);
            posix.unlink(files.toCreator());
            creator.release();
        }
    }

    @Test
    void aLockFileOfAnotherUserIsRefused() throws Exception {
        assumeTrue(posix.uid() == 0, "giving a file to another user needs root (chown)");
        Path lock = files().creatorLock();
        Files.writeString(lock, "");
        Files.setAttribute(lock, "unix:uid", 65534);

        assertThatThrownBy(() -> Pipes.named(NAME, options())).isInstanceOf(PipeException.class)
                .hasMessageContaining("refusing " + lock + ": it is a lock file owned by uid 65534, not by this process's user");
    }

    @Test
    void theDirectoryIsCheckedBeforeAnythingIsMadeInIt() throws Exception {
        Path shared = Files.createDirectory(elsewhere.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("link"), dir);

        assertThatThrownBy(() -> Pipes.named(NAME, PipeOptions.builder().directory(shared).build()))
                .isInstanceOf(PipeException.class).hasMessageContaining("private directory " + shared + " refused");
        assertThatThrownBy(() -> Pipes.named(NAME, PipeOptions.builder().directory(link).build()))
                .isInstanceOf(PipeException.class).hasMessageContaining("symbolic link");

        try (Stream<Path> files = Files.list(shared)) {
            assertThat(files).isEmpty();
        }
        assertThat(entries()).isEmpty();
    }

    private void plant(Planted planted, Path path) throws IOException {
        switch (planted) {
            case REGULAR_FILE -> {
                Files.writeString(path, "precious");
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            }
            case SYMLINK_TO_FILE -> {
                Path target = Files.writeString(elsewhere.resolve("precious"), "precious");
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                Files.createSymbolicLink(path, target);
            }
            case SYMLINK_TO_DEV_NULL -> Files.createSymbolicLink(path, Path.of("/dev/null"));
            case SYMLINK_TO_DIRECTORY -> {
                Path target = Files.createDirectory(elsewhere.resolve("target"));
                Files.writeString(target.resolve("inside"), "precious");
                Files.createSymbolicLink(path, target);
            }
            case FIFO_OPEN_TO_ALL -> {
                mkfifo(path);
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
            }
            case HARD_LINK_TO_FIFO -> {
                Path target = elsewhere.resolve("fifo");
                mkfifo(target);
                Files.createLink(path, target);
            }
            case HARD_LINK_TO_FILE -> {
                Path target = Files.writeString(elsewhere.resolve("precious"), "precious");
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                Files.createLink(path, target);
            }
            case FIFO_OF_ANOTHER_USER -> {
                assumeTrue(posix.uid() == 0, "giving a FIFO to another user needs root (chown)");
                mkfifo(path);
                Files.setAttribute(path, "unix:uid", 65534);
            }
        }
    }

    private void mkfifo(Path path) throws IOException {
        try {
            posix.mkfifo(path, 0600);
        } catch (PosixException e) {
            throw new IOException(e);
        }
    }

    /**
     * Everything that could change about a path and, for a link, about its target: type,
     * owner, mode, inode, size, times, content or listing.
     */
    private static String fingerprint(Path path) throws IOException {
        StringBuilder out = new StringBuilder(describe(path, LinkOption.NOFOLLOW_LINKS));
        if (Files.isSymbolicLink(path)) {
            Path target = Files.readSymbolicLink(path);
            out.append(" -> ").append(target).append(": ").append(describe(target));
        }
        return out.toString();
    }

    private static String describe(Path path, LinkOption... options) throws IOException {
        boolean device = !Files.isRegularFile(path, options) && !Files.isDirectory(path, options)
                && !Files.isSymbolicLink(path) && !isFifo(path);
        // A device's times move whenever anyone uses it (/dev/null): compare what we could change.
        Map<String, Object> attributes = new TreeMap<>(Files.readAttributes(path,
                device ? "unix:mode,uid,gid,ino,dev,nlink" : "unix:mode,uid,gid,ino,dev,size,lastModifiedTime,ctime,nlink",
                options));
        StringBuilder out = new StringBuilder(attributes.toString());
        if (Files.isRegularFile(path, options)) {
            out.append(" content=").append(Files.readString(path));
        } else if (Files.isDirectory(path, options)) {
            try (Stream<Path> entries = Files.list(path)) {
                out.append(" entries=").append(entries.map(Path::toString).sorted().toList());
            }
        }
        return out.toString();
    }

    private static boolean isFifo(Path path) throws IOException {
        return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()
                && ((int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0010000;
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
