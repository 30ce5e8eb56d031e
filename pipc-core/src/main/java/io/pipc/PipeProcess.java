package io.pipc;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.pipc.process.ChildLauncher;
import io.pipc.process.ChildStop;
import io.pipc.process.ExitCode;
import io.pipc.process.JavaCommand;
import io.pipc.transport.Deadline;

/**
 * A child process started with a pipe to it: the parent's end is {@link #pipe()}, the child's
 * is {@link Pipes#parent()} (or, for a program in another language, the pipc wire on its stdin
 * and stdout). The child's stderr goes to the parent's stderr.
 *
 * <pre>{@code
 * try (PipeProcess worker = PipeProcess.startJava(Worker.class, "--jobs", "4")) {
 *     worker.pipe().write("resize photo.jpg");
 *     String reply = worker.pipe().readString(Duration.ofSeconds(30));
 * }   // closes the pipe; the worker sees the end and exits, or is stopped
 *
 * public final class Worker {
 *     public static void main(String[] args) {
 *         Pipe parent = Pipes.parent();          // first thing: System.out now goes to stderr
 *         while (true) {
 *             String job = parent.readString();  // PeerClosedException once the parent is gone
 *             parent.write("done: " + job);
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>When the child exits or is killed, the parent's reads return what the child wrote before
 * and then throw {@link PeerClosedException}, and writes throw instead of blocking. When the
 * parent dies, the child's reads end the same way, so a child that reads its pipe does not
 * outlive its parent.
 *
 * <p>Every method is safe to call from any thread.
 */
public final class PipeProcess implements Closeable {

    /** How long {@link #close()} lets the child exit on its own, and then terminate, before the next step. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(5);

    private final Process process;
    private final Pipe pipe;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PipeProcess(ChildLauncher.Child child) {
        this.process = child.process();
        this.pipe = child.pipe();
        this.description = "child process " + process.pid() + " (" + child.description() + ")";
    }

    /**
     * @param command the program and its arguments; see {@link #start(ProcessBuilder, PipeOptions)}
     * @return the started, connected child
     */
    public static PipeProcess start(ProcessBuilder command) {
        return start(command, PipeOptions.defaults());
    }

    /**
     * Starts any program that speaks the native pipc wire on its stdin and stdout, and waits
     * until it has answered the handshake.
     *
     * <p>The builder's stdin and stdout must be left to their default, a pipe: they carry the
     * pipe. A stderr left to its default is inherited from this process, since a stderr pipe
     * that no one reads would fill and block the child; a stderr sent to a file or discarded is
     * kept so. The builder is left as it was given.
     *
     * @param command the program, its arguments, directory and environment
     * @param options limits, timeouts, wire and secret of the pipe; {@link PipeOptions#connectTimeout()}
     *        bounds the start and the handshake together
     * @return the started, connected child
     * @throws IllegalArgumentException when the builder redirects stdin or stdout, or stderr into stdout
     * @throws PipeException naming the command when the program cannot be started
     * @throws PipeTimeoutException when the child did not complete the handshake within the connect
     *         timeout; the child has been killed
     * @throws PeerClosedException when the child exited during the handshake; the message says with which code
     * @throws ProtocolException when the child wrote something other than the pipc preface; the child has been killed
     */
    public static PipeProcess start(ProcessBuilder command, PipeOptions options) {
        return new PipeProcess(ChildLauncher.launch(command, options));
    }

    /**
     * @param mainClass the child's main class, found on this JVM's classpath
     * @param args the arguments of its {@code main}
     * @return the started, connected child
     * @see #startJava(Class, PipeOptions, String...)
     */
    public static PipeProcess startJava(Class<?> mainClass, String... args) {
        return startJava(mainClass, PipeOptions.defaults(), args);
    }

    /**
     * Starts a new JVM with this JVM's classpath that runs {@code mainClass}, whose
     * {@link Pipes#parent()} is connected to this {@link #pipe()}. To give the child JVM options
     * (heap size, system properties) or to change its directory or environment, build the
     * command with {@link #javaCommand} and pass it to {@link #start(ProcessBuilder, PipeOptions)}.
     *
     * @param mainClass the child's main class, with {@code public static void main(String[])}
     * @param options limits, timeouts, wire and secret of the pipe; the child passes the same secret,
     *        wire and heartbeat to {@link Pipes#parent(PipeOptions)} where they differ from the defaults
     *        (an end with heartbeats takes a silent peer without them for dead)
     * @param args the arguments of its {@code main}
     * @return the started, connected child
     * @throws IllegalArgumentException when the class has no {@code public static void main(String[])}
     * @see #start(ProcessBuilder, PipeOptions) for the failures of starting
     */
    public static PipeProcess startJava(Class<?> mainClass, PipeOptions options, String... args) {
        return start(javaCommand(mainClass, List.of(), List.of(args)), options);
    }

    /**
     * The command {@link #startJava} runs: {@code <java.home>/bin/java -cp <java.class.path>
     * [jvmOptions] mainClass [args]}. Nothing else of this JVM's command line is passed on. On
     * HotSpot, the child's JVM log warnings are sent to stderr, where by default they would go
     * to stdout, into the pipe; a JVM option that logs to stdout (such as {@code -Xlog:gc})
     * would corrupt the wire.
     *
     * @param mainClass the child's main class, with {@code public static void main(String[])}
     * @param jvmOptions options for the child JVM, such as {@code -Xmx64m} or {@code -Dkey=value}
     * @param args the arguments of its {@code main}
     * @return a builder to adjust and pass to {@link #start(ProcessBuilder, PipeOptions)}
     * @throws IllegalArgumentException when the class has no {@code public static void main(String[])}
     */
    public static ProcessBuilder javaCommand(Class<?> mainClass, List<String> jvmOptions, List<String> args) {
        return JavaCommand.of(mainClass, jvmOptions, args);
    }

    /**
     * @return the parent's end of the pipe to the child
     */
    public Pipe pipe() {
        return pipe;
    }

    /**
     * The child process, for what this class does not offer (its handle, its descendants). Its
     * streams belong to the pipe. Prefer {@link #destroy()} to {@code process().destroy()}: the
     * JDK's destroy also closes the streams, so the pipe may lose the child's last messages and
     * report the end as a failed read.
     *
     * @return the child process
     */
    public Process process() {
        return process;
    }

    /**
     * @return the child's process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Waits for the child to exit.
     *
     * @param timeout how long to wait at most; zero checks without waiting
     * @return whether the child has exited; then {@link #exitCode()} tells how
     * @throws PipeException when the waiting thread is interrupted (its interrupt flag is set again)
     */
    public boolean waitFor(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return process.waitFor(Deadline.toNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipeException("interrupted while waiting for " + description + " to exit", e);
        }
    }

    /**
     * How the child ended: its exit status, or, on POSIX systems, the negative number of the
     * signal that killed it ({@code -9} after {@link #destroyForcibly()}, {@code -15} after
     * {@link #destroy()} of a child that did not handle SIGTERM itself).
     *
     * <p>The JDK reports a death by signal {@code n} as status {@code 128 + n}, so the two
     * cannot be told apart: a program that exits with a status from 129 to 192 of its own accord
     * is reported as the matching negative number too. A JVM that exits on SIGTERM after its
     * shutdown hooks reports 143, which reads as {@code -15} as well.
     *
     * @return the exit status, or minus the number of the signal that killed the child
     * @throws IllegalStateException when the child is still running; {@link #waitFor} it first
     */
    public int exitCode() {
        if (process.isAlive()) {
            throw new IllegalStateException(description + " is still running; waitFor it before asking its exit code");
        }
        return ExitCode.of(process.exitValue());
    }

    /**
     * @return whether the child is still running
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Asks the child to terminate: SIGTERM on POSIX, on which a JVM runs its shutdown hooks.
     * Returns at once; the pipe still delivers what the child wrote before it ended, then
     * reports {@link PeerClosedException}.
     */
    public void destroy() {
        // Process.destroy() would also close the streams under the pipe, losing what the child wrote last.
        process.toHandle().destroy();
    }

    /**
     * Kills the child: SIGKILL on POSIX. Returns at once; {@link #waitFor} the exit. The pipe
     * still delivers what the child wrote before it died, then reports {@link PeerClosedException},
     * saying how much of a message was cut off.
     */
    public void destroyForcibly() {
        process.toHandle().destroyForcibly();
    }

    /**
     * Closes the pipe and stops the child, with the {@linkplain #DEFAULT_GRACE_PERIOD default grace period}.
     *
     * @see #close(Duration)
     */
    @Override
    public void close() {
        close(DEFAULT_GRACE_PERIOD);
    }

    /**
     * Closes the pipe (what was written is flushed and the child is told goodbye, for up to
     * {@link PipeOptions#writeTimeout()}), then makes sure the child does not outlive this
     * object: a pipc child sees the end of its pipe and exits on its own within
     * {@code gracePeriod}; one that does not is asked to terminate ({@link #destroy()}) and given
     * {@code gracePeriod} again, then killed. Returns once the child has exited. Only the first
     * call does anything; an interrupted caller kills the child at once.
     *
     * @param gracePeriod how long the child may take to exit on its own, and then to terminate
     */
    public void close(Duration gracePeriod) {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("gracePeriod must not be negative (was " + gracePeriod + ")");
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            pipe.close();
        } finally {
            ChildStop.stop(process, gracePeriod, description);
        }
    }

    @Override
    public String toString() {
        return "PipeProcess[" + description + (process.isAlive() ? ", running" : ", exited " + ExitCode.of(process.exitValue())) + "]";
    }
}
