package io.pipc.posix;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

import io.pipc.PipeException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jnr.constants.platform.Errno;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The POSIX calls pipc needs and the JDK lacks, over jnr-posix. Every call reports failure as
 * a {@link PosixException} naming the call, its argument and the system's reason; none changes
 * process-wide state (there is deliberately no {@code umask}).
 *
 * <p>{@link #system()} is the native implementation of this platform, loaded once. Where there
 * is none (Windows, or a platform whose C library jnr cannot bind), it is {@linkplain
 * #isAvailable() unavailable}: every call then throws a {@link PipeException} that says so, and
 * {@link #requireAvailable(String)} lets a transport fail with that message before it starts.
 */
public final class Posix {

    private static final Logger log = LoggerFactory.getLogger(Posix.class);

    // flock(2) operations: the same values on Linux, macOS, the BSDs and Solaris; jnr-constants has none.
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;

    private static final Path PROC_SELF_FD = Path.of("/proc/self/fd");
    private static final Path DEV_FD = Path.of("/dev/fd");
    private static final boolean PROC_FS = Files.isDirectory(PROC_SELF_FD);
    /** Linux's {@code O_PATH}, which jnr-constants does not name: the same value on every architecture pipc runs on. */
    private static final int LINUX_O_PATH = 010000000;

    private final @Nullable POSIX posix;
    private final String unavailableReason;

    private Posix(@Nullable POSIX posix, String unavailableReason) {
        this.posix = posix;
        this.unavailableReason = unavailableReason;
    }

    /**
     * @return this platform's native POSIX, or an unavailable one that says why there is none
     */
    public static Posix system() {
        return SystemPosix.INSTANCE;
    }

    /**
     * @param reason why there is no native POSIX, shown in every error
     * @return a facade whose every call fails with a {@link PipeException} giving that reason
     */
    public static Posix unavailable(String reason) {
        return new Posix(null, reason);
    }

    /**
     * Loads native POSIX; never throws.
     *
     * @param loader makes the jnr-posix binding; may throw a linkage error
     * @param osName the platform's name, as {@code os.name} gives it
     * @return the native facade, or an unavailable one saying what went wrong
     */
    static Posix load(Supplier<POSIX> loader, String osName) {
        if (osName.toLowerCase(Locale.ROOT).startsWith("windows")) {
            return unavailable(osName + " has no POSIX FIFOs");
        }
        try {
            POSIX posix = loader.get();
            if (!posix.isNative()) {
                return unavailable("jnr-posix could not bind the C library of " + osName);
            }
            // Bind one call now, so that a broken binding shows here and not mid-rendezvous.
            posix.geteuid();
            return new Posix(posix, "");
        } catch (LinkageError | RuntimeException e) {
            log.debug("native POSIX is not available on {}", osName, e);
            return unavailable("loading the C library on " + osName + " failed: " + e);
        }
    }

    /**
     * @return whether native POSIX calls work here
     */
    public boolean isAvailable() {
        return posix != null;
    }

    /**
     * @return why native POSIX is not available; empty when it is
     */
    public String unavailableReason() {
        return unavailableReason;
    }

    /**
     * @param feature what needs POSIX, plural, e.g. {@code "named pipes"}
     * @throws PipeException "{@code <feature> are not supported on this platform (<reason>)}" when unavailable
     */
    public void requireAvailable(String feature) {
        if (posix == null) {
            throw unsupported(feature);
        }
    }

    /**
     * @return the effective user id of this process: the owner of every file it creates
     */
    public int uid() {
        return bound().geteuid();
    }

    /**
     * Creates a FIFO. The process umask may clear bits of {@code mode}; callers verify with {@link #lstat}.
     *
     * @param path where; must not exist
     * @param mode the permission bits, e.g. {@code 0600}
     * @throws PosixException {@link PosixError#EXISTS} when something is there already
     */
    public void mkfifo(Path path, int mode) throws PosixException {
        POSIX p = bound();
        if (p.mkfifo(path.toString(), mode) != 0) {
            throw failure(p, "mkfifo(" + path + ")");
        }
    }

    /**
     * @param path what to open; nothing is created
     * @param flags how, without {@link OpenFlag#CREATE}
     * @return the new file descriptor; the caller closes it
     * @throws PosixException when the open fails
     * @see #open(Path, Set, int)
     */
    public int open(Path path, Set<OpenFlag> flags) throws PosixException {
        if (flags.contains(OpenFlag.CREATE)) {
            throw new IllegalArgumentException("open with CREATE needs a mode (was " + flags + " for " + path + ")");
        }
        return open(path, flags, 0);
    }

    /**
     * @param path what to open
     * @param flags how
     * @param mode the permission bits of a file that {@link OpenFlag#CREATE} creates; ignored otherwise
     * @return the new file descriptor; the caller closes it
     * @throws PosixException for example {@link PosixError#NO_READER} for a FIFO without reader
     *         opened {@code WRITE_ONLY, NON_BLOCKING}, {@link PosixError#SYMLINK} with {@code NO_FOLLOW}
     */
    public int open(Path path, Set<OpenFlag> flags, int mode) throws PosixException {
        POSIX p = bound();
        int fd = p.open(path.toString(), nativeFlags(flags), mode);
        if (fd < 0) {
            throw failure(p, "open(" + path + ")");
        }
        return fd;
    }

    /**
     * Opens like {@link #open(Path, Set, int)}, for a caller to whom one failure is an expected
     * answer (a lock file that exists already): that one comes back as -1, and no exception is
     * made for it, since making one is far costlier than the call (and takes a lock of the JDK's).
     *
     * @param path what to open
     * @param flags how
     * @param mode the permission bits of a file that {@link OpenFlag#CREATE} creates; ignored otherwise
     * @param expected the failure that is an answer
     * @return the new file descriptor, or -1 when the call failed with {@code expected}
     * @throws PosixException when the call failed otherwise
     */
    public int open(Path path, Set<OpenFlag> flags, int mode, PosixError expected) throws PosixException {
        POSIX p = bound();
        int fd = p.open(path.toString(), nativeFlags(flags), mode);
        if (fd < 0) {
            if (meaning(Errno.valueOf(p.errno())) == expected) {
                return -1;
            }
            throw failure(p, "open(" + path + ")");
        }
        return fd;
    }

    /**
     * @param fd an open descriptor
     * @return what it refers to
     * @throws PosixException when the descriptor is not open
     */
    public FileStatus fstat(int fd) throws PosixException {
        POSIX p = bound();
        FileStat stat = p.allocateStat();
        if (p.fstat(fd, stat) != 0) {
            throw failure(p, "fstat(" + fd + ")");
        }
        return status(stat);
    }

    /**
     * @param path a path; a symbolic link there is described, not followed
     * @return what is at the path, or null when nothing is
     * @throws PosixException on any failure but {@code ENOENT}
     */
    public @Nullable FileStatus lstat(Path path) throws PosixException {
        POSIX p = bound();
        FileStat stat = p.allocateStat();
        if (p.lstat(path.toString(), stat) != 0) {
            PosixException failure = failure(p, "lstat(" + path + ")");
            if (failure.error() == PosixError.NO_SUCH_FILE) {
                return null;
            }
            throw failure;
        }
        return status(stat);
    }

    /**
     * Sets the permission bits of a path. Follows symbolic links, and the path may name another
     * file by the time it runs: prefer {@link #fchmod} on a descriptor that was checked.
     *
     * @param path the file
     * @param mode the permission bits
     * @throws PosixException when it fails
     */
    public void chmod(Path path, int mode) throws PosixException {
        POSIX p = bound();
        if (p.chmod(path.toString(), mode) != 0) {
            throw failure(p, "chmod(" + path + ")");
        }
    }

    /**
     * Sets the permission bits of the file at a path only while it is still the file that was
     * checked, never following a symbolic link. For files that cannot be opened for reading or
     * writing, such as a socket file, where {@link #fchmod} has no descriptor to work on.
     *
     * <p>On Linux the path is opened {@code O_PATH | O_NOFOLLOW}, the descriptor is compared with
     * {@code checked} ({@code fstat}), and the mode is set through the descriptor's
     * {@link #descriptorPath}: whatever replaces the name meanwhile is never touched. Elsewhere
     * (no {@code O_PATH}) the path is compared with {@code lstat} and then changed by name, which
     * leaves the instant between the two open to a process of the same user.
     *
     * @param path the file
     * @param checked what the caller found at the path
     * @param mode the permission bits
     * @return whether the mode was set; false when the path names another file now (or nothing)
     * @throws PosixException when a call fails otherwise
     */
    public boolean chmodIfSame(Path path, FileStatus checked, int mode) throws PosixException {
        bound();
        if (!PROC_FS) {
            FileStatus now = lstat(path);
            if (now == null || !now.isSameFile(checked)) {
                return false;
            }
            chmod(path, mode);
            return true;
        }
        int fd;
        try {
            fd = openPath(path);
        } catch (PosixException gone) {
            if (gone.error() == PosixError.NO_SUCH_FILE) {
                return false;
            }
            throw gone;
        }
        try {
            if (!fstat(fd).isSameFile(checked)) {
                return false;
            }
            chmod(descriptorPath(fd), mode);
            return true;
        } finally {
            close(fd);
        }
    }

    private int openPath(Path path) throws PosixException {
        POSIX p = bound();
        int flags = LINUX_O_PATH | OpenFlags.O_NOFOLLOW.intValue()
                | (OpenFlags.O_CLOEXEC.defined() ? OpenFlags.O_CLOEXEC.intValue() : 0);
        int fd = p.open(path.toString(), flags, 0);
        if (fd < 0) {
            throw failure(p, "open(" + path + ", O_PATH|O_NOFOLLOW)");
        }
        return fd;
    }

    /**
     * @param fd an open descriptor
     * @param mode the permission bits to give its file
     * @throws PosixException when it fails
     */
    public void fchmod(int fd, int mode) throws PosixException {
        POSIX p = bound();
        if (p.fchmod(fd, mode) != 0) {
            throw failure(p, "fchmod(" + fd + ")");
        }
    }

    /**
     * Makes reads and writes on the descriptor block again.
     *
     * @param fd a descriptor opened {@link OpenFlag#NON_BLOCKING}
     * @throws PosixException when it fails
     */
    public void clearNonBlocking(int fd) throws PosixException {
        POSIX p = bound();
        int flags = p.fcntl(fd, Fcntl.F_GETFL);
        if (flags < 0 || p.fcntlInt(fd, Fcntl.F_SETFL, flags & ~OpenFlags.O_NONBLOCK.intValue()) < 0) {
            throw failure(p, "fcntl(" + fd + ", F_SETFL)");
        }
    }

    /**
     * Takes an exclusive {@code flock(2)} without waiting. The lock belongs to the open file
     * (not to the process, unlike {@code fcntl} locks and so {@link java.nio.channels.FileLock}):
     * two descriptors opened separately conflict even in one process, closing some other
     * descriptor of the same file does not drop it, and it dies with the last descriptor of this
     * open, so with the process.
     *
     * @param fd a descriptor of the lock file
     * @return true when this descriptor now holds the lock, false when another open file holds it
     * @throws PosixException on any other failure
     */
    public boolean tryLock(int fd) throws PosixException {
        POSIX p = bound();
        if (p.flock(fd, LOCK_EX | LOCK_NB) == 0) {
            return true;
        }
        PosixException failure = failure(p, "flock(" + fd + ")");
        if (failure.error() == PosixError.WOULD_BLOCK) {
            return false;
        }
        throw failure;
    }

    /**
     * @param path the name to remove (a symbolic link itself, never its target)
     * @return true when removed, false when nothing was there
     * @throws PosixException on any failure but {@code ENOENT}
     */
    public boolean unlink(Path path) throws PosixException {
        POSIX p = bound();
        if (p.unlink(path.toString()) == 0) {
            return true;
        }
        PosixException failure = failure(p, "unlink(" + path + ")");
        if (failure.error() == PosixError.NO_SUCH_FILE) {
            return false;
        }
        throw failure;
    }

    /**
     * Removes a name only while it still names the file that was checked (same device and inode),
     * so that whatever replaced that file at the path is left alone.
     *
     * <p>One window remains: a process that replaces the name between the {@code lstat} and the
     * {@code unlink} here (a {@code rename} over it, or an unlink and a new file) has its entry
     * removed. POSIX has no "unlink if still this inode". {@code unlinkat} on a directory
     * descriptor (which jnr-posix 3.1.20 does not bind anyway) would pin the directory, not the
     * entry; renaming the entry into a place of our own first and checking it there narrows the
     * window but does not close it (putting a foreign entry back can meet a newer one at the
     * path), and leaves entries behind when the process dies in between. Where pipc calls this,
     * in a directory that only this user (and root) may change, only a process of this user can
     * replace the entry, and it could as well remove it itself; what it loses is a name inside
     * that directory, never a file elsewhere ({@code unlink} follows no link, and removing a hard
     * link leaves the file and its other names as they were).
     *
     * @param path the name to remove
     * @param checked what the caller checked the file to be, from {@link #fstat} of its descriptor
     * @return true when removed; false when the path names nothing or another file, which is left alone
     * @throws PosixException when a call fails unexpectedly
     */
    public boolean unlinkIfSame(Path path, FileStatus checked) throws PosixException {
        FileStatus now = lstat(path);
        if (now == null || !now.isSameFile(checked)) {
            return false;
        }
        return unlink(path);
    }

    /**
     * @param fd a descriptor this code opened
     * @throws PosixException when it fails (the descriptor is gone anyway, except after {@code EINTR} on some systems)
     */
    public void close(int fd) throws PosixException {
        POSIX p = bound();
        if (p.close(fd) != 0) {
            throw failure(p, "close(" + fd + ")");
        }
    }

    /**
     * Writes what fits now to a non-blocking descriptor, from the buffer's position, and moves
     * the position past what was written: all of it, part, or nothing when the descriptor takes
     * no more now ({@code EAGAIN}). A write interrupted by a signal is made again.
     *
     * @param fd a descriptor opened {@link OpenFlag#NON_BLOCKING} for writing
     * @param source a direct buffer: its bytes go from its memory, with no copy
     * @return how many bytes were written, 0 when none fitted
     * @throws IllegalArgumentException when the buffer is not direct
     * @throws PosixException when the write fails ({@code EPIPE} once nobody reads a pipe)
     */
    public int write(int fd, ByteBuffer source) throws PosixException {
        if (!source.isDirect()) {
            throw new IllegalArgumentException("write takes a direct buffer, not " + source);
        }
        POSIX p = bound();
        while (true) {
            int written = p.write(fd, source, source.remaining());
            if (written >= 0) {
                source.position(source.position() + written);
                return written;
            }
            int errno = p.errno();
            if (errno == Errno.EAGAIN.intValue() || errno == Errno.EWOULDBLOCK.intValue()) {
                return 0;
            }
            if (errno != Errno.EINTR.intValue()) {
                throw failure(p, "write(" + fd + ")");
            }
        }
    }

    /**
     * A path that opens the very file a descriptor refers to, even after its name was unlinked:
     * {@code /proc/self/fd/<fd>} on Linux, {@code /dev/fd/<fd>} elsewhere. On Linux opening it
     * makes a new open file with its own flags; on the BSDs and macOS it duplicates the
     * descriptor, flags included.
     *
     * @param fd an open descriptor
     * @return the path
     */
    public Path descriptorPath(int fd) {
        bound();
        return (PROC_FS ? PROC_SELF_FD : DEV_FD).resolve(Integer.toString(fd));
    }

    /**
     * @return whether {@link #descriptorPath} opens a new file (Linux), rather than duplicating the descriptor
     */
    public boolean reopensDescriptors() {
        bound();
        return PROC_FS;
    }

    @Override
    public String toString() {
        return posix == null ? "Posix[unavailable: " + unavailableReason + "]" : "Posix[native]";
    }

    private POSIX bound() {
        POSIX p = posix;
        if (p == null) {
            throw unsupported("POSIX calls");
        }
        return p;
    }

    private PipeException unsupported(String feature) {
        return new PipeException(feature + " are not supported on this platform (" + unavailableReason
                + "); use a Unix socket or TCP pipe instead");
    }

    private static int nativeFlags(Set<OpenFlag> flags) {
        int value = 0;
        for (OpenFlag flag : flags) {
            value |= switch (flag) {
                case READ_ONLY -> OpenFlags.O_RDONLY.intValue();
                case WRITE_ONLY -> OpenFlags.O_WRONLY.intValue();
                case READ_WRITE -> OpenFlags.O_RDWR.intValue();
                case NON_BLOCKING -> OpenFlags.O_NONBLOCK.intValue();
                case NO_FOLLOW -> OpenFlags.O_NOFOLLOW.intValue();
                // Without O_CLOEXEC a descriptor may leak into a child for the instant before close; harmless.
                case CLOSE_ON_EXEC -> OpenFlags.O_CLOEXEC.defined() ? OpenFlags.O_CLOEXEC.intValue() : 0;
                case CREATE -> OpenFlags.O_CREAT.intValue();
                case EXCLUSIVE -> OpenFlags.O_EXCL.intValue();
                case DIRECTORY -> OpenFlags.O_DIRECTORY.intValue();
            };
        }
        return value;
    }

    private static PosixException failure(POSIX p, String call) {
        int code = p.errno();
        Errno errno = Errno.valueOf(code);
        String name = errno == null || errno == Errno.__UNKNOWN_CONSTANT__ ? "errno " + code : errno.name();
        String description = errno == null || errno == Errno.__UNKNOWN_CONSTANT__ ? "unknown error" : errno.description();
        return new PosixException(call, meaning(errno), name, description);
    }

    private static PosixError meaning(@Nullable Errno errno) {
        if (errno == null) {
            return PosixError.OTHER;
        }
        return switch (errno) {
            case ENOENT -> PosixError.NO_SUCH_FILE;
            case ENOTDIR -> PosixError.NOT_DIRECTORY;
            case EEXIST -> PosixError.EXISTS;
            case ENXIO -> PosixError.NO_READER;
            case ELOOP, EMLINK -> PosixError.SYMLINK;
            case EAGAIN, EWOULDBLOCK -> PosixError.WOULD_BLOCK;
            case EISDIR -> PosixError.IS_DIRECTORY;
            case EACCES, EPERM -> PosixError.ACCESS_DENIED;
            case EINTR -> PosixError.INTERRUPTED;
            default -> PosixError.OTHER;
        };
    }

    private static FileStatus status(FileStat stat) {
        FileType type;
        if (stat.isSymlink()) {
            type = FileType.SYMLINK;
        } else if (stat.isFifo()) {
            type = FileType.FIFO;
        } else if (stat.isFile()) {
            type = FileType.REGULAR;
        } else if (stat.isDirectory()) {
            type = FileType.DIRECTORY;
        } else if (stat.isSocket()) {
            type = FileType.SOCKET;
        } else {
            type = FileType.OTHER;
        }
        return new FileStatus(type, stat.uid(), stat.mode() & 07777, stat.dev(), stat.ino(), stat.nlink(), stat.st_size());
    }

    /**
     * Runs {@code loader} on a thread of its own and waits for it without giving in to
     * interrupts, which it passes on afterwards. jffi unpacks its native stub through an
     * interruptible channel and, when that is interrupted, fails its class initialisation for
     * the rest of the JVM's life: loaded on the application's thread, one interrupt at the wrong
     * moment (a reconnecting pipe stopped while it opens its first FIFO, say) would leave every
     * FIFO and Unix socket of the JVM "not supported on this platform".
     *
     * @param loader makes the facade; runs on the new thread
     * @param threadName the new thread's name
     * @return what {@code loader} made, or an unavailable facade if it threw
     */
    static Posix loadApart(Supplier<Posix> loader, String threadName) {
        FutureTask<Posix> loading = new FutureTask<>(loader::get);
        Thread thread = new Thread(loading, threadName);
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return loading.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return unavailable("loading the C library failed: " + e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** jffi's switch from {@code sun.misc.Unsafe} to its own native calls for memory access. */
    private static final String JFFI_UNSAFE_DISABLED = "jffi.unsafe.disabled";

    /**
     * jffi reaches native memory through {@code sun.misc.Unsafe} when it may, which from
     * JDK 24 makes every JVM warn on first use. pipc's calls through it (mkfifo, open,
     * fstat, flock) only set transports up and are nowhere near a message's path, so
     * unless the application chose otherwise jffi is told to use its JNI memory access.
     */
    private static POSIX nativePosix() {
        if (System.getProperty(JFFI_UNSAFE_DISABLED) == null) {
            System.setProperty(JFFI_UNSAFE_DISABLED, "true");
        }
        return POSIXFactory.getNativePOSIX();
    }

    /** Native POSIX, for {@link SystemPosix}: its code lives here, since the loading thread may not wait for that class. */
    private static Posix loadSystem() {
        String osName = System.getProperty("os.name", "unknown");
        return loadApart(() -> load(Posix::nativePosix, osName), "pipc-posix-load");
    }

    /** Loaded on first use, so that merely naming {@link Posix} binds no native code. */
    private static final class SystemPosix {
        static final Posix INSTANCE = loadSystem();
    }
}
