package io.pipc.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.pipc.PipeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The facade over jnr-posix on this machine's real C library, and its behaviour where there is none.
 * These tests assume Linux (the CI platform): they read {@code /proc/self/fdinfo} to see descriptor flags.
 */
@Timeout(10)
class PosixTest {

    private final Posix posix = Posix.system();

    @TempDir
    Path dir;

    @Test
    void nativePosixIsAvailableHereAndKnowsWhoOwnsNewFiles() throws IOException {
        assertThat(posix.isAvailable()).as(posix.unavailableReason()).isTrue();
        assertThat(posix.unavailableReason()).isEmpty();

        assertThat(posix.uid()).isEqualTo(Files.getAttribute(dir, "unix:uid"));
    }

    @Test
    void jffiReachesNativeMemoryWithoutSunMiscUnsafeSoThatNewerJdksDoNotWarn() {
        assertThat(posix.isAvailable()).as(posix.unavailableReason()).isTrue();

        assertThat(System.getProperty("jffi.unsafe.disabled")).isEqualTo("true");
        assertThat(com.kenai.jffi.MemoryIO.getInstance().getClass().getName()).doesNotContain("Unsafe");
    }

    @Test
    void anUnavailablePosixRefusesEveryCallWithItsReason() {
        Posix none = Posix.unavailable("test: no C library");

        assertThat(none.isAvailable()).isFalse();
        assertThatThrownBy(() -> none.requireAvailable("named pipes")).isInstanceOf(PipeException.class)
                .hasMessage("named pipes are not supported on this platform (test: no C library);"
                        + " use a Unix socket or TCP pipe instead");
        assertThatThrownBy(() -> none.mkfifo(dir.resolve("never"), 0600)).isInstanceOf(PipeException.class)
                .hasMessageContaining("not supported on this platform (test: no C library)");
        assertThatThrownBy(none::uid).isInstanceOf(PipeException.class);
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void aLinkageErrorWhileBindingTheCLibraryMakesPosixUnavailableInsteadOfEscaping() {
        Posix broken = Posix.load(() -> {
            throw new UnsatisfiedLinkError("libc.so.6: cannot open shared object file");
        }, "Linux");

        assertThat(broken.isAvailable()).isFalse();
        assertThat(broken.unavailableReason()).contains("Linux").contains("libc.so.6: cannot open shared object file");
        assertThatThrownBy(() -> broken.requireAvailable("named pipes"))
                .hasMessageStartingWith("named pipes are not supported on this platform (");
    }

    @Test
    void anInterruptOfTheThreadThatLoadsFirstDoesNotReachTheLoadAndStaysItsOwn() {
        Thread caller = Thread.currentThread();
        AtomicBoolean sawInterrupt = new AtomicBoolean(true);
        AtomicBoolean onCaller = new AtomicBoolean(true);
        caller.interrupt();
        try {
            Posix loaded = Posix.loadApart(() -> {
                onCaller.set(Thread.currentThread() == caller);
                sawInterrupt.set(Thread.currentThread().isInterrupted());
                return Posix.unavailable("test: loaded");
            }, "test-posix-load");

            assertThat(loaded.unavailableReason()).isEqualTo("test: loaded");
            assertThat(onCaller).as("loaded on the caller's thread").isFalse();
            assertThat(sawInterrupt).as("the load saw the caller's interrupt").isFalse();
            assertThat(caller.isInterrupted()).as("the caller's interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aLoadThatThrowsOnItsOwnThreadGivesAnUnavailablePosixNamingWhy() {
        Posix broken = Posix.loadApart(() -> {
            throw new IllegalStateException("test: broken loader");
        }, "test-posix-load");

        assertThat(broken.isAvailable()).isFalse();
        assertThat(broken.unavailableReason()).contains("test: broken loader");
    }

    @Test
    void windowsIsUnavailableWithoutTryingToBindAnything() {
        AtomicBoolean bound = new AtomicBoolean();

        Posix windows = Posix.load(() -> {
            bound.set(true);
            throw new AssertionError("must not be called");
        }, "Windows 11");

        assertThat(windows.isAvailable()).isFalse();
        assertThat(windows.unavailableReason()).contains("Windows 11");
        assertThat(bound).isFalse();
    }

    @Test
    void mkfifoMakesAFifoOfThisUserWithTheModeAsked() throws Exception {
        Path fifo = dir.resolve("f");

        posix.mkfifo(fifo, 0600);

        FileStatus status = posix.lstat(fifo);
        assertThat(status).isNotNull();
        assertThat(status.type()).isEqualTo(FileType.FIFO);
        assertThat(status.owner()).isEqualTo(posix.uid());
        assertThat(status.permissions()).isEqualTo(0600);
        assertThat(status.describe()).isEqualTo("a FIFO owned by uid " + posix.uid() + " with mode 0600");
    }

    @Test
    void mkfifoWhereSomethingExistsFailsWithExistsAndLeavesItAlone() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "kept");

        assertThatThrownBy(() -> posix.mkfifo(file, 0600)).isInstanceOfSatisfying(PosixException.class, e -> {
            assertThat(e.error()).isEqualTo(PosixError.EXISTS);
            assertThat(e.errnoName()).isEqualTo("EEXIST");
            assertThat(e).hasMessageContaining("mkfifo(" + file + ")");
        });
        assertThat(file).hasContent("kept");
    }

    @Test
    void aNonBlockingWriteOpenOfAFifoWithoutReaderFailsWithNoReaderAndSucceedsOnceOneExists() throws Exception {
        Path fifo = dir.resolve("f");
        posix.mkfifo(fifo, 0600);

        assertThatThrownBy(() -> posix.open(fifo, EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING)))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).isEqualTo(PosixError.NO_READER));

        int reader = posix.open(fifo, EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING));
        int writer = posix.open(fifo, EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING));
        assertThat(posix.fstat(writer).isSameFile(posix.fstat(reader))).isTrue();
        assertThat(posix.fstat(reader).isSameFile(posix.lstat(fifo))).isTrue();
        posix.close(writer);
        posix.close(reader);
    }

    @Test
    void noFollowRefusesASymbolicLinkAndLeavesItsTargetAlone() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "precious");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThatThrownBy(() -> posix.open(link, EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NO_FOLLOW, OpenFlag.NON_BLOCKING)))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).isEqualTo(PosixError.SYMLINK));

        assertThat(posix.lstat(link).type()).isEqualTo(FileType.SYMLINK);
        assertThat(target).hasContent("precious");
    }

    @Test
    void anOpenWhoseFailureIsExpectedAnswersMinusOneAndAnyOtherFailureStillThrows() throws Exception {
        Path file = dir.resolve("lock");
        Files.createFile(file);
        EnumSet<OpenFlag> createNew = EnumSet.of(OpenFlag.READ_WRITE, OpenFlag.CREATE, OpenFlag.EXCLUSIVE);

        assertThat(posix.open(file, createNew, 0600, PosixError.EXISTS)).isEqualTo(-1);
        assertThatThrownBy(() -> posix.open(file, createNew, 0600, PosixError.NO_SUCH_FILE))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).isEqualTo(PosixError.EXISTS));
        int fd = posix.open(file, EnumSet.of(OpenFlag.READ_ONLY), 0, PosixError.NO_SUCH_FILE);
        assertThat(fd).isNotNegative();
        posix.close(fd);
    }

    @Test
    void nothingAtAPathIsANullStatusAndAFalseUnlink() throws Exception {
        Path absent = dir.resolve("absent");

        assertThat(posix.lstat(absent)).isNull();
        assertThat(posix.unlink(absent)).isFalse();
        assertThatThrownBy(() -> posix.open(absent, EnumSet.of(OpenFlag.READ_ONLY)))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).isEqualTo(PosixError.NO_SUCH_FILE));
    }

    @Test
    void unlinkRemovesASymbolicLinkItselfNeverItsTarget() throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "precious");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThat(posix.unlink(link)).isTrue();

        assertThat(link).doesNotExist();
        assertThat(target).hasContent("precious");
    }

    @Test
    void unlinkIfSameRemovesTheFileThatWasCheckedAndLeavesWhateverReplacedItAlone() throws Exception {
        Path path = Files.writeString(dir.resolve("f"), "checked");
        FileStatus checked = posix.lstat(path);
        Files.move(Files.writeString(dir.resolve("other"), "replacement"), path, StandardCopyOption.ATOMIC_MOVE);

        assertThat(posix.unlinkIfSame(path, checked)).isFalse();
        assertThat(path).hasContent("replacement");

        FileStatus replacement = posix.lstat(path);
        assertThat(posix.unlinkIfSame(path, replacement)).isTrue();
        assertThat(posix.lstat(path)).isNull();
        assertThat(posix.unlinkIfSame(path, replacement)).isFalse();
    }

    @Test
    void chmodIfSameChangesASocketFileThatWasCheckedAndNeitherAReplacementNorALinksTarget() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            FileStatus bound = posix.lstat(socket);

            assertThat(posix.chmodIfSame(socket, bound, 0600)).isTrue();
            assertThat(posix.lstat(socket).permissions()).isEqualTo(0600);

            // A link to a file elsewhere swapped in at the name: neither it nor its target changes.
            Path precious = Files.writeString(dir.resolve("precious"), "x");
            posix.chmod(precious, 0644);
            Path link = Files.createSymbolicLink(dir.resolve("link"), precious);
            Files.move(link, socket, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertThat(posix.chmodIfSame(socket, bound, 0600)).isFalse();
            assertThat(posix.lstat(precious).permissions()).isEqualTo(0644);

            Files.delete(socket);
            assertThat(posix.chmodIfSame(socket, bound, 0600)).as("nothing at the path").isFalse();
        }
    }

    @Test
    void createExclusiveFailsOnAnythingAtThePathEvenALinkToNothing() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("would-be-created"));
        EnumSet<OpenFlag> flags = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.CREATE, OpenFlag.EXCLUSIVE);

        assertThatThrownBy(() -> posix.open(link, flags, 0600))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).isEqualTo(PosixError.EXISTS));

        assertThat(dir.resolve("would-be-created")).doesNotExist();
        int fd = posix.open(dir.resolve("new"), flags, 0600);
        try {
            assertThat(posix.fstat(fd)).satisfies(status -> {
                assertThat(status.type()).isEqualTo(FileType.REGULAR);
                assertThat(status.links()).isEqualTo(1);
                assertThat(status.size()).isZero();
            });
        } finally {
            posix.close(fd);
        }
    }

    @Test
    void aDirectoryOpensWithDirectoryAndAnythingElseFailsWithNotDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "not a directory");
        EnumSet<OpenFlag> flags = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.DIRECTORY, OpenFlag.NO_FOLLOW);

        int fd = posix.open(dir, flags);
        try {
            assertThat(posix.fstat(fd).type()).isEqualTo(FileType.DIRECTORY);
        } finally {
            posix.close(fd);
        }
        assertThatThrownBy(() -> posix.open(file, flags))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).isEqualTo(PosixError.NOT_DIRECTORY));
    }

    @Test
    void openCreateMakesAFileWithTheModeAndFchmodChangesIt() throws Exception {
        Path file = dir.resolve("lock");

        int fd = posix.open(file, EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.CREATE, OpenFlag.NO_FOLLOW), 0600);
        try {
            assertThat(posix.fstat(fd).type()).isEqualTo(FileType.REGULAR);
            assertThat(posix.fstat(fd).permissions()).isEqualTo(0600);
            posix.fchmod(fd, 0400);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("r--------"));
        } finally {
            posix.close(fd);
        }
        assertThatThrownBy(() -> posix.open(file, EnumSet.of(OpenFlag.CREATE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a mode");
    }

    @Test
    void anExclusiveLockConflictsBetweenTwoOpensOfOneProcessAndGoesWithItsDescriptor() throws Exception {
        Path file = dir.resolve("lock");
        EnumSet<OpenFlag> flags = EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.CREATE);
        int first = posix.open(file, flags, 0600);
        int second = posix.open(file, flags, 0600);

        assertThat(posix.tryLock(first)).isTrue();
        assertThat(posix.tryLock(second)).isFalse();

        posix.close(first);
        assertThat(posix.tryLock(second)).isTrue();
        posix.close(second);
    }

    @Test
    void clearNonBlockingMakesTheDescriptorBlockAgain() throws Exception {
        Path fifo = dir.resolve("f");
        posix.mkfifo(fifo, 0600);
        int fd = posix.open(fifo, EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING));
        try {
            assertThat(nonBlocking(fd)).isTrue();

            posix.clearNonBlocking(fd);

            assertThat(nonBlocking(fd)).isFalse();
        } finally {
            posix.close(fd);
        }
    }

    @Test
    void aDescriptorsPathOpensTheSameFileEvenAfterItsNameIsGone() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "same file");
        int fd = posix.open(file, EnumSet.of(OpenFlag.READ_ONLY));
        try {
            posix.unlink(file);

            Path self = posix.descriptorPath(fd);

            assertThat(posix.reopensDescriptors()).isTrue();
            assertThat(self).isEqualTo(Path.of("/proc/self/fd/" + fd));
            assertThat(Files.readString(self, StandardCharsets.UTF_8)).isEqualTo("same file");
        } finally {
            posix.close(fd);
        }
    }

    private static boolean nonBlocking(int fd) throws IOException {
        List<String> info = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd));
        String flags = info.stream().filter(line -> line.startsWith("flags:")).findFirst().orElseThrow();
        int octal = Integer.parseInt(flags.substring("flags:".length()).trim(), 8);
        return (octal & 04000) != 0; // O_NONBLOCK on Linux
    }

    @Test
    void aNonBlockingWriteTakesWhatFitsThenNothingAndMovesThePosition() throws Exception {
        int[] ends = nonBlockingFifo();
        int reader = ends[0];
        int writer = ends[1];
        try (FileChannel in = FileChannel.open(posix.descriptorPath(reader), StandardOpenOption.READ)) {
            ByteBuffer hello = ByteBuffer.allocateDirect(16).put("xxhello".getBytes(StandardCharsets.US_ASCII)).flip();
            hello.position(2);

            assertThat(posix.write(writer, hello)).isEqualTo(5);
            assertThat(hello.position()).isEqualTo(7);
            ByteBuffer got = ByteBuffer.allocate(5);
            in.read(got);
            assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");

            ByteBuffer big = ByteBuffer.allocateDirect(16 << 20);
            long filled = 0;
            for (int n = posix.write(writer, big); n > 0; n = posix.write(writer, big)) {
                filled += n;
            }
            assertThat(filled).as("the FIFO's room, then no more").isPositive().isLessThan(big.capacity());
            assertThat(big.position()).isEqualTo((int) filled);
            assertThat(posix.write(writer, ByteBuffer.allocateDirect(1).put((byte) 1).flip())).isZero();
        } finally {
            posix.close(writer);
            posix.close(reader);
        }
    }

    @Test
    void aWriteTakesOnlyDirectBuffersAndNamesTheFailureWhenNobodyReads() throws Exception {
        int[] ends = nonBlockingFifo();
        int reader = ends[0];
        int writer = ends[1];
        try {
            assertThatThrownBy(() -> posix.write(writer, ByteBuffer.allocate(4))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("direct buffer");
            posix.close(reader);

            // The JVM ignores SIGPIPE: the write fails with EPIPE.
            assertThatThrownBy(() -> posix.write(writer, ByteBuffer.allocateDirect(4))).isInstanceOf(PosixException.class)
                    .hasMessageContaining("write(" + writer + ")");
        } finally {
            posix.close(writer);
        }
    }

    /** @return the read and the write descriptor of a new FIFO, both non-blocking */
    private int[] nonBlockingFifo() throws PosixException {
        Path fifo = dir.resolve("fifo");
        posix.mkfifo(fifo, 0600);
        int reader = posix.open(fifo, EnumSet.of(OpenFlag.READ_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC));
        return new int[] {reader, posix.open(fifo, EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC))};
    }
}
