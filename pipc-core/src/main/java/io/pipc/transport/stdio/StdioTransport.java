package io.pipc.transport.stdio;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;

import io.pipc.PipeOptions;
import io.pipc.Transport;
import io.pipc.transport.Deadline;
import io.pipc.transport.stream.StreamPipe;
import io.pipc.wire.ConnectionEnds;
import io.pipc.wire.Role;

/**
 * Pipes over standard input and output: the parent reads the child's stdout and writes its
 * stdin; the child reads its own stdin and writes its own stdout. The parent takes the
 * accepting role of the handshake, the child the connecting one.
 */
public final class StdioTransport {

    private StdioTransport() {
    }

    /**
     * The parent's end of the pipe to a child it has just started, once the child has answered
     * the handshake.
     *
     * @param process the child, whose stdin and stdout are pipes to this process
     * @param name the pipe's name
     * @param options limits, timeouts, wire and secret
     * @param peer describes the child in errors
     * @param deadline when the child must have completed the handshake
     * @return the connected pipe; closing it closes the child's stdin and stdout streams
     */
    public static StreamPipe connectToChild(Process process, String name, PipeOptions options, String peer,
            Deadline deadline) {
        ReadableByteChannel input = new InputStreamChannel(process.getInputStream());
        GatheringByteChannel output = new FlushingOutputChannel(process.getOutputStream());
        ConnectionEnds ends = new ConnectionEnds(process(ProcessHandle.current().pid()), process(process.pid()));
        // No second, non-blocking output: a Process's streams give no descriptor to open one from.
        return StreamPipe.start(name, Transport.STDIO, options, Role.ACCEPTOR, ends, input, output,
                null, closing(output, input), peer, deadline);
    }

    /**
     * The child's end of the pipe to the parent that started it, over this process's stdin and
     * stdout, once the parent has answered the handshake. File channels, unlike
     * {@code System.in}, wake a thread blocked on them when they are closed.
     *
     * @param name the pipe's name
     * @param options limits, timeouts, wire and secret
     * @param peer describes the parent in errors
     * @param deadline when the parent must have completed the handshake
     * @return the connected pipe; closing it closes this process's stdin and stdout (the JDK
     *         leaves descriptors 0 and 1 pointing at {@code /dev/null})
     */
    public static StreamPipe connectToParent(String name, PipeOptions options, String peer, Deadline deadline) {
        FileChannel input = new FileInputStream(FileDescriptor.in).getChannel();
        FileChannel output = new FileOutputStream(FileDescriptor.out).getChannel();
        ProcessHandle self = ProcessHandle.current();
        ConnectionEnds ends = new ConnectionEnds(process(self.pid()),
                self.parent().map(parent -> process(parent.pid())).orElse("the parent process"));
        // No second, non-blocking output: stdio keeps its writer thread on both sides,
        // as the parent has no descriptor to open one from.
        return StreamPipe.start(name, Transport.STDIO, options, Role.CONNECTOR, ends, input, output,
                null, closing(output, input), peer, deadline);
    }

    private static String process(long pid) {
        return "stdio of process " + pid;
    }

    /** Output first, so the peer sees the end of our stream even if closing the input fails. */
    private static Closeable closing(Channel output, Channel input) {
        return () -> {
            IOException failure = null;
            for (Channel channel : new Channel[] {output, input}) {
                try {
                    channel.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        };
    }
}
