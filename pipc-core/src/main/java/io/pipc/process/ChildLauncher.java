package io.pipc.process;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.PipeTimeoutException;
import io.pipc.ProtocolException;
import io.pipc.transport.Deadline;
import io.pipc.transport.stdio.StdioTransport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a child process with a pipe over its stdin and stdout, and waits for it to answer
 * the handshake. A child that cannot be started, fails the handshake or stays silent past
 * {@link PipeOptions#connectTimeout()} is not left behind: it is killed, and the error names
 * the command and how the child ended.
 */
public final class ChildLauncher {

    private static final Logger log = LoggerFactory.getLogger(ChildLauncher.class);

    /** How long a child whose stdout ended during the handshake may take to exit on its own. */
    private static final Duration EXIT_AFTER_END = Duration.ofSeconds(2);
    /** How long a killed child may take to be reaped, so that its exit code can be reported. */
    private static final Duration EXIT_AFTER_KILL = Duration.ofSeconds(2);
    /** Longer arguments (a classpath, typically) are shortened in the descriptions of a command. */
    private static final int LONGEST_SHOWN_ARGUMENT = 60;
    /** The longest brief description of a command, give or take its last argument. */
    private static final int LONGEST_BRIEF = 100;

    private ChildLauncher() {
    }

    /**
     * A started child and the parent's end of its pipe.
     *
     * @param process the child
     * @param pipe the connected pipe
     * @param description the command, shortened for logs and errors
     */
    public record Child(Process process, Pipe pipe, String description) {
    }

    /**
     * @param builder the command; its stdin and stdout must not be redirected, its stderr is
     *        inherited when left to the default pipe (the builder is left as it was given)
     * @param options limits, timeouts, wire and secret of the pipe
     * @return the child with its connected pipe
     * @throws IllegalArgumentException when the builder redirects stdin, stdout or stderr into stdout
     * @throws PipeException naming the command when it cannot be started
     * @throws PipeTimeoutException when the child did not complete the handshake within the connect timeout
     */
    public static Child launch(ProcessBuilder builder, PipeOptions options) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(options, "options");
        checkRedirects(builder);
        String description = brief(builder.command());
        Deadline deadline = Deadline.after(options.connectTimeout());
        Process process = start(builder);
        String peer = "child process " + process.pid() + " (" + description + ")";
        String name = options.name() != null ? options.name() : "child-" + process.pid();
        try {
            Pipe pipe = StdioTransport.connectToChild(process, name, options, peer, deadline);
            log.debug("pipe '{}' connected to {}", name, peer);
            return new Child(process, pipe, description);
        } catch (PipeException e) {
            throw abandon(process, peer, options, e);
        } catch (RuntimeException | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /**
     * @param command a command line
     * @return it joined by spaces, with very long arguments (a classpath, typically) shortened
     */
    public static String describe(List<String> command) {
        StringBuilder text = new StringBuilder();
        for (String argument : command) {
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(argument.length() <= LONGEST_SHOWN_ARGUMENT ? argument
                    : argument.substring(0, LONGEST_SHOWN_ARGUMENT / 2) + "... (" + argument.length() + " characters)");
        }
        return text.toString();
    }

    /**
     * @param command a command line
     * @return the program's file name and as many of the last arguments as fit in a line, for
     *         the errors of a pipe, which repeat it
     */
    public static String brief(List<String> command) {
        String program = command.get(0);
        int slash = Math.max(program.lastIndexOf('/'), program.lastIndexOf('\\'));
        String name = program.substring(slash + 1);
        List<String> tail = new ArrayList<>();
        int length = name.length();
        for (int i = command.size() - 1; i >= 1; i--) {
            String argument = command.get(i);
            if (length + 1 + argument.length() > LONGEST_BRIEF && !tail.isEmpty()) {
                tail.add("...");
                break;
            }
            tail.add(argument.length() <= LONGEST_BRIEF ? argument : "..." + argument.substring(argument.length() - LONGEST_BRIEF / 2));
            length += 1 + argument.length();
        }
        Collections.reverse(tail);
        return tail.isEmpty() ? name : name + " " + String.join(" ", tail);
    }

    private static void checkRedirects(ProcessBuilder builder) {
        if (builder.command().isEmpty()) {
            throw new IllegalArgumentException("the ProcessBuilder has no command to start");
        }
        String description = brief(builder.command());
        if (builder.redirectInput().type() != Redirect.Type.PIPE) {
            throw new IllegalArgumentException("the stdin of " + description + " carries the pipe, so it must not be"
                    + " redirected (was " + builder.redirectInput() + ")");
        }
        if (builder.redirectOutput().type() != Redirect.Type.PIPE) {
            throw new IllegalArgumentException("the stdout of " + description + " carries the pipe, so it must not be"
                    + " redirected (was " + builder.redirectOutput() + ")");
        }
        if (builder.redirectErrorStream()) {
            throw new IllegalArgumentException("redirectErrorStream(true) would mix the stderr of " + description
                    + " into the pipe on its stdout; leave it false");
        }
    }

    /** A stderr pipe that no one reads fills up and blocks the child, so the default becomes inherit. */
    private static Process start(ProcessBuilder builder) {
        Redirect error = builder.redirectError();
        if (error.type() == Redirect.Type.PIPE) {
            builder.redirectError(Redirect.INHERIT);
        }
        try {
            Process process = builder.start();
            log.debug("started child process {} ({})", process.pid(), describe(builder.command()));
            return process;
        } catch (IOException e) {
            throw new PipeException("cannot start child process (" + describe(builder.command()) + "): " + e.getMessage(), e);
        } finally {
            builder.redirectError(error);
        }
    }

    private static PipeException abandon(Process process, String peer, PipeOptions options, PipeException failure) {
        boolean interrupted = false;
        boolean exited = false;
        try {
            // A child whose stdout ended is most likely exiting: let it, so that its own exit code is told.
            exited = failure instanceof PeerClosedException && process.waitFor(EXIT_AFTER_END.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (!exited) {
            process.destroyForcibly();
            try {
                process.waitFor(EXIT_AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        String ending = exited ? peer + " exited with code " + ExitCode.of(process.exitValue())
                + " before completing the handshake; its stderr may say why"
                : peer + " was killed";
        if (failure instanceof PipeTimeoutException) {
            ending += "; it must connect within connectTimeout " + options.connectTimeout()
                    + " (a Java child calls Pipes.parent() first thing)";
        } else if (failure instanceof ProtocolException) {
            ending += "; nothing may reach its stdout before the pipc preface (a Java child calls Pipes.parent()"
                    + " before printing anything; other programs must speak the pipc wire)";
        }
        return HandshakeFailure.explain(failure, ending);
    }
}
