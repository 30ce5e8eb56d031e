package io.pipc.transport.fifo;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Transport;
import io.pipc.posix.Posix;
import io.pipc.posix.PrivateDirectory;
import io.pipc.transport.Deadline;
import io.pipc.transport.stream.StreamPipe;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Role;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the pipe behind {@code Pipes.named(name, options)}: checks the name, makes sure the
 * platform has FIFOs and the private directory is sound, meets the peer, and starts the stream
 * engine over the two FIFOs.
 */
public final class NamedPipes {

    private static final Logger log = LoggerFactory.getLogger(NamedPipes.class);

    private NamedPipes() {
    }

    /**
     * @param name the rendezvous name both processes use: 1 to 100 characters of {@code [A-Za-z0-9._-]}
     * @param options limits, timeouts, wire, secret and directory
     * @return the connected pipe, {@link Transport#FIFO}
     * @throws IllegalArgumentException when the name is not allowed
     * @throws io.pipc.PipeTimeoutException when no peer arrived, or it did not complete the
     *         handshake, within {@link PipeOptions#connectTimeout()}; nothing is left on disk
     * @throws PipeException when the platform has no FIFOs, the directory or a file in the way is
     *         refused, or the handshake fails
     */
    public static Pipe open(String name, PipeOptions options) {
        return open(name, options, Posix.system());
    }

    static Pipe open(String name, PipeOptions options, Posix posix) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        RendezvousFiles.checkName(name);
        posix.requireAvailable("named pipes");
        Deadline deadline = Deadline.after(options.connectTimeout());
        RendezvousFiles files = RendezvousFiles.of(name, PrivateDirectory.open(options.directory(), posix));
        FifoLink link = new FifoRendezvous(posix, files, options.connectTimeout()).meet(deadline);
        String pipeName = options.name() != null ? options.name() : name;
        try {
            // The creator reads the FIFO to the creator, the opener the other: each names its own first.
            String toCreator = "FIFO " + files.toCreator();
            String toOpener = "FIFO " + files.toOpener();
            ConnectionEnds ends = link.role() == Role.ACCEPTOR
                    ? new ConnectionEnds(toCreator, toOpener) : new ConnectionEnds(toOpener, toCreator);
            return StreamPipe.start(pipeName, Transport.FIFO, options, link.role(), ends, link.input(),
                    link.output().blocking(), link.output().direct(), link,
                    "the process at the other end of named pipe '" + name + "'", handshakeDeadline(deadline, options));
        } catch (RuntimeException e) {
            closeQuietly(link);
            throw e;
        }
    }

    /** The earlier of the rendezvous deadline and the handshake timeout from now. */
    private static Deadline handshakeDeadline(Deadline rendezvous, PipeOptions options) {
        long nanos = Math.min(rendezvous.remainingNanos(), Deadline.toNanos(options.handshakeTimeout()));
        return Deadline.after(Duration.ofNanos(nanos));
    }

    private static void closeQuietly(FifoLink link) {
        try {
            link.close();
        } catch (IOException e) {
            log.debug("closing the FIFOs of a failed rendezvous failed", e);
        }
    }
}
