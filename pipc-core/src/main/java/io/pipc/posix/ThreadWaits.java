package io.pipc.posix;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.Out;

import org.jspecify.annotations.Nullable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many times the calling thread has given up its core to wait: its voluntary context
 * switches, as Linux's {@code getrusage(RUSAGE_THREAD)} counts them. A thread that slept, waited
 * for a lock or blocked in a read counts one more; a thread only preempted, because more threads
 * were runnable than there were cores, does not. That tells a task that waited from one that
 * was merely slowed down by the others, which its clock time and its CPU time cannot:
 * {@code ElasticTaskExecutor} gives a flow more threads than cores only for the first.
 *
 * <p>Available on 64-bit Linux, where the C library binds, and on JDK 22 and later only where
 * native access is enabled for the class path ({@code Enable-Native-Access: ALL-UNNAMED} in the
 * executable jar's manifest, or {@code --enable-native-access=ALL-UNNAMED}): binding loads jffi's
 * native library, and the JVM would warn of it otherwise, in an application that may have no
 * other use for it (a TCP server). Elsewhere {@link #count()} returns -1. A call costs a system
 * call and a native call through jnr-ffi, under a microsecond, so callers sample rather than
 * call it for every task.
 */
public final class ThreadWaits {

    private static final Logger log = LoggerFactory.getLogger(ThreadWaits.class);

    /** Linux's {@code RUSAGE_THREAD}. */
    private static final int RUSAGE_THREAD = 1;

    /** {@code sizeof(struct rusage)} on 64-bit Linux: two {@code timeval}s, then fourteen {@code long}s. */
    private static final int RUSAGE_SIZE = 144;

    /** The offset of {@code ru_nvcsw}, the voluntary context switches, on 64-bit Linux. */
    private static final int NVCSW_OFFSET = 128;

    private ThreadWaits() {
    }

    /** The C library's {@code getrusage}, bound by jnr-ffi. */
    public interface LibC {

        /**
         * @param who {@code RUSAGE_THREAD} for the calling thread
         * @param usage a direct buffer of {@code sizeof(struct rusage)} bytes, filled in
         * @return 0, or -1 with {@code errno} set
         */
        int getrusage(int who, @Out ByteBuffer usage);
    }

    /**
     * @return whether {@link #count()} counts here
     */
    public static boolean isAvailable() {
        return Binding.LIBC != null;
    }

    /**
     * @return the calling thread's voluntary context switches so far, or -1 where they cannot be
     *         counted (not 64-bit Linux, or the call failed); for a virtual thread, those of the
     *         carrier it runs on, which say nothing of the virtual thread's own waits
     */
    public static long count() {
        LibC libc = Binding.LIBC;
        if (libc == null) {
            return -1;
        }
        ByteBuffer usage = Binding.USAGE.get();
        if (libc.getrusage(RUSAGE_THREAD, usage) != 0) {
            return -1;
        }
        return usage.getLong(NVCSW_OFFSET);
    }

    /**
     * Binds the call; never throws.
     *
     * @param osName the platform, as {@code os.name} gives it
     * @param dataModel the JVM's pointer size in bits, as {@code sun.arch.data.model} gives it
     * @return the binding, or null where there is none
     */
    static @Nullable LibC bind(String osName, String dataModel) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux") || !"64".equals(dataModel)
                || !nativeAccessEnabled(ThreadWaits.class.getModule())) {
            return null;
        }
        // Native POSIX first: it loads jffi on a thread of its own, out of interrupts' reach, and
        // tells jffi how to reach native memory (see Posix.loadApart).
        if (!Posix.system().isAvailable()) {
            return null;
        }
        try {
            LibC libc = LibraryLoader.create(LibC.class).load("c");
            ByteBuffer usage = ByteBuffer.allocateDirect(RUSAGE_SIZE).order(ByteOrder.nativeOrder());
            // One call now, so that a broken binding shows here and not on a task's path.
            return (libc.getrusage(RUSAGE_THREAD, usage) == 0) ? libc : null;
        } catch (LinkageError | RuntimeException e) {
            log.debug("getrusage(RUSAGE_THREAD) is not available on {}", osName, e);
            return null;
        }
    }

    /**
     * @param module the module whose native access is asked about
     * @return whether it may load native code without the JVM warning of it: always before
     *         JDK 22
     */
    static boolean nativeAccessEnabled(Module module) {
        if (Runtime.version().feature() < 22) {
            // JDK 20 and 21 have the method as a preview of the foreign function API, false
            // without the flag, but do not restrict or warn of JNI.
            return true;
        }
        Method enabled;
        try {
            enabled = Module.class.getMethod("isNativeAccessEnabled");
        } catch (NoSuchMethodException e) {
            return true;
        }
        try {
            return (Boolean) enabled.invoke(module);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("could not tell whether native access is enabled", e);
            return false;
        }
    }

    /** Bound on first use, so that merely naming {@link ThreadWaits} binds no native code. */
    private static final class Binding {

        static final @Nullable LibC LIBC = bind(System.getProperty("os.name", "unknown"),
                System.getProperty("sun.arch.data.model", "unknown"));

        /** Each thread's own buffer: the call fills it in. */
        static final ThreadLocal<ByteBuffer> USAGE =
                ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(RUSAGE_SIZE).order(ByteOrder.nativeOrder()));
    }
}
