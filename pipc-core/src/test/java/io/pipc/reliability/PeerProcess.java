package io.pipc.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeProcess;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

/**
 * A {@link Peer} in a JVM of its own, connected to this process over one transport: this end of
 * the pipe, and the process, to kill or freeze.
 */
final class PeerProcess implements AutoCloseable {

    private static final AtomicInteger COUNT = new AtomicInteger();

    private final Pipe pipe;

    private final Process process;

    private final @Nullable AutoCloseable server;

    private PeerProcess(Pipe pipe, Process process, @Nullable AutoCloseable server) {
        this.pipe = pipe;
        this.process = process;
        this.server = server;
    }

    /**
     * Starts the peer and waits for its "ready".
     *
     * @param transport FIFO, UNIX, TCP or STDIO
     * @param heartbeat on both ends; zero for none
     * @param echo whether the peer echoes every message
     * @param directory a private directory for FIFOs and socket files
     * @return the running peer
     * @throws IOException when the process cannot start
     */
    static PeerProcess start(Transport transport, Duration heartbeat, boolean echo, Path directory) throws IOException {
        PipeOptions options = PipeOptions.builder().heartbeat(heartbeat).directory(directory)
                .connectTimeout(Duration.ofSeconds(60)).build();
        List<String> tail = List.of(String.valueOf(heartbeat.toMillis()), echo ? "echo" : "idle");
        PeerProcess peer = switch (transport) {
            case STDIO -> {
                PipeProcess child = PipeProcess.startJava(Peer.class, options, args(List.of("stdio"), tail));
                yield new PeerProcess(child.pipe(), child.process(), null);
            }
            case FIFO -> {
                String name = "harness-" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet();
                Process process = java(args(List.of("fifo", directory.toString(), name), tail));
                yield new PeerProcess(Pipes.named(name, options), process, null);
            }
            case UNIX -> {
                Path socket = directory.resolve("harness-" + COUNT.incrementAndGet() + ".sock");
                PipeServer server = Pipes.server(UnixDomainSocketAddress.of(socket), options);
                Process process = java(args(List.of("unix", socket.toString()), tail));
                yield new PeerProcess(server.accept(Duration.ofSeconds(60)), process, server);
            }
            case TCP -> {
                PipeServer server = Pipes.server(new InetSocketAddress("127.0.0.1", 0), options);
                int port = ((InetSocketAddress) server.address()).getPort();
                Process process = java(args(List.of("tcp", String.valueOf(port)), tail));
                yield new PeerProcess(server.accept(Duration.ofSeconds(60)), process, server);
            }
            default -> throw new IllegalArgumentException(transport + " has no peer process");
        };
        String ready = peer.pipe.readString(Duration.ofSeconds(60));
        if (!ready.equals("ready")) {
            throw new IllegalStateException("the peer said '" + ready + "', not 'ready'");
        }
        return peer;
    }

    /**
     * @return a private directory for FIFOs and socket files
     * @throws IOException when it cannot be made
     */
    static Path privateDirectory() throws IOException {
        return Files.createTempDirectory("pipc-harness-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    Pipe pipe() {
        return this.pipe;
    }

    Process process() {
        return this.process;
    }

    /**
     * Sends a signal with {@code kill(1)}: {@code STOP} freezes the peer, {@code CONT} thaws it.
     *
     * @param signal the signal's name
     * @throws Exception when {@code kill} fails
     */
    void signal(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(this.process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + this.process.pid() + " failed");
        }
    }

    @Override
    public void close() throws Exception {
        this.process.destroyForcibly();
        this.process.waitFor();
        this.pipe.close();
        if (this.server != null) {
            this.server.close();
        }
    }

    private static Process java(String[] args) throws IOException {
        return PipeProcess.javaCommand(Peer.class, List.of(), List.of(args)).inheritIO().start();
    }

    private static String[] args(List<String> head, List<String> tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(tail);
        return all.toArray(String[]::new);
    }
}
