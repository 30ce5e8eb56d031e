package io.pipc.process;

import java.io.PrintStream;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.transport.Deadline;
import io.pipc.transport.SharedFailure;
import io.pipc.transport.stdio.StdioTransport;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one pipe of a child process to the parent that started it, over this process's stdin
 * and stdout. A process has one stdin and one stdout, so there is one such pipe: the first
 * call makes it, later calls return it, and a failed first attempt is reported again (it has
 * consumed and closed stdin and stdout, so it cannot be retried).
 *
 * <p>The pipe is closed in a shutdown hook, so that a child that writes its last messages and
 * calls {@code System.exit} (or is terminated with SIGTERM) still delivers them and says
 * goodbye; the hook waits for that at most {@link PipeOptions#writeTimeout()}.
 *
 * <p>From the first call on, {@code System.out} is {@code System.err}: a stray
 * {@code System.out.println} would otherwise write into the wire and break the pipe. Whatever
 * the old {@code System.out} still buffered is flushed first, so that output printed before the
 * call fails the handshake visibly instead of corrupting the stream later.
 */
public final class ParentPipe {

    private static final Logger log = LoggerFactory.getLogger(ParentPipe.class);
    /** Held across the handshake with the parent: a lock, not a monitor, so that a virtual thread waiting for it does not pin its carrier. */
    private static final ReentrantLock LOCK = new ReentrantLock();

    private static @Nullable Pipe pipe;
    private static @Nullable PipeOptions madeWith;
    private static @Nullable PipeException failure;

    private ParentPipe() {
    }

    /**
     * @param options limits, timeouts, wire and secret; every call in a process must pass equal options
     * @return the pipe to the parent, the same on every call
     * @throws PipeTimeoutException when no handshake arrived on stdin within the connect timeout
     * @throws IllegalStateException when the pipe was made earlier with other options
     */
    public static Pipe get(PipeOptions options) {
        Objects.requireNonNull(options, "options");
        LOCK.lock();
        try {
            Pipe existing = pipe;
            if (existing != null) {
                if (!options.equals(madeWith)) {
                    throw new IllegalStateException("the pipe to the parent was already made with " + madeWith
                            + "; every call of Pipes.parent in a process must pass equal options (was " + options + ")");
                }
                return existing;
            }
            PipeException earlier = failure;
            if (earlier != null) {
                throw new SharedFailure(earlier).get();
            }
            keepStdoutForThePipe();
            Optional<ProcessHandle> parent = ProcessHandle.current().parent();
            String parentId = parent.map(p -> Long.toString(p.pid())).orElse("unknown");
            String name = options.name() != null ? options.name() : "parent-" + parentId;
            String peer = "the parent process " + parentId;
            try {
                Pipe made = StdioTransport.connectToParent(name, options, peer, Deadline.after(options.connectTimeout()));
                pipe = made;
                madeWith = options;
                closeAtShutdown(made);
                log.debug("pipe '{}' connected to {} over stdin and stdout", name, peer);
                return made;
            } catch (PipeException e) {
                PipeException explained = HandshakeFailure.explain(e, "Pipes.parent() connects only in a process"
                        + " started by PipeProcess (or by a program speaking the pipc wire on its stdin and stdout)");
                failure = explained;
                throw explained;
            }
        } finally {
            LOCK.unlock();
        }
    }

    private static void closeAtShutdown(Pipe made) {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(made::close, "pipc-close-" + made.name()));
        } catch (IllegalStateException shuttingDown) {
            // Too late for a hook: the JVM is already on its way out, and the parent will see the end anyway.
        }
    }

    private static void keepStdoutForThePipe() {
        PrintStream original = System.out;
        original.flush();
        System.setOut(System.err);
    }
}
