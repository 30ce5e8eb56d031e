package io.pipc.boot.autoconfigure.app.busy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Pipe;
import io.pipc.Pipes;

import static org.awaitility.Awaitility.await;

/**
 * {@link BusyEndpointsApplication} in a JVM of its own, and its three peers in this one, each
 * streaming to it: for {@link SeparateJvmShutdownTests} and {@link ShutdownUnderLoadHarness}.
 */
final class BusyEndpointsProcess implements AutoCloseable {

    private final Process process;

    private final Path log;

    private final List<StreamingPeer> peers;

    private BusyEndpointsProcess(Process process, Path log, List<StreamingPeer> peers) {
        this.process = process;
        this.log = log;
        this.peers = peers;
    }

    /**
     * Starts the application and its peers, which start streaming at once.
     *
     * @param directory an empty directory for the log, the port file and the private pipc directory
     * @return the application, its peers streaming
     * @throws Exception when the application does not start
     */
    static BusyEndpointsProcess start(Path directory) throws Exception {
        Path log = directory.resolve("app.log");
        Path portFile = directory.resolve("tcp.port");
        Path pipes = Files.createDirectory(directory.resolve("pipes"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BusyEndpointsApplication.class.getName(),
                "--spring.main.banner-mode=off", "--pipc.directory=" + pipes, "--busy.port-file=" + portFile));
        for (String property : BusyEndpoints.properties()) {
            command.add("--" + property);
        }
        CompletableFuture<Pipe> feed = BusyEndpoints.fifoPeer(pipes);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pipe feedPipe = feed.get(90, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile));
            int port = Integer.parseInt(Files.readString(portFile));
            List<StreamingPeer> peers = List.of(
                    new StreamingPeer("tcp", Pipes.connect(new InetSocketAddress("127.0.0.1", port)), "tcp:").start(),
                    new StreamingPeer("unix", Pipes.connect(UnixDomainSocketAddress.of(pipes.resolve("unix.sock"))),
                            "unix:").start(),
                    new StreamingPeer("feed", feedPipe, null).start());
            return new BusyEndpointsProcess(process, log, peers);
        }
        catch (Exception | AssertionError ex) {
            process.destroyForcibly();
            throw new IllegalStateException("the application did not start: " + ex + "\n" + output(log), ex);
        }
    }

    Process process() {
        return this.process;
    }

    StreamingPeer tcp() {
        return this.peers.get(0);
    }

    StreamingPeer unix() {
        return this.peers.get(1);
    }

    StreamingPeer feed() {
        return this.peers.get(2);
    }

    /**
     * Waits until every peer is well into its stream: each gateway has this many replies, the
     * FIFO this many messages written.
     *
     * @param messages how many
     */
    void awaitStreaming(int messages) {
        await().atMost(Duration.ofSeconds(60)).until(() -> tcp().replies() > messages && unix().replies() > messages
                && feed().written() > messages);
    }

    /**
     * @return what the application wrote to its standard output and error so far
     */
    String output() {
        return output(this.log);
    }

    @Override
    public void close() {
        this.process.destroyForcibly();
        for (StreamingPeer peer : this.peers) {
            peer.close();
        }
    }

    private static String output(Path log) {
        try {
            return Files.readString(log);
        }
        catch (IOException ex) {
            return "(unreadable: " + ex + ")";
        }
    }
}
