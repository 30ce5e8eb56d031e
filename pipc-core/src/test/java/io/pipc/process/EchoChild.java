package io.pipc.process;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.pipc.Envelope;
import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.Pipes;

/**
 * A child JVM for the tests: echoes every message back with its headers, and obeys a few
 * commands. It returns from {@code main} (exit code 0) when the parent closes the pipe.
 *
 * <ul>
 * <li>{@code exit N}: exits with code N at once, without closing the pipe</li>
 * <li>{@code stray}: prints a line to {@code System.out}, then answers {@code printed}</li>
 * <li>{@code same-parent}: answers whether {@code Pipes.parent()} returns this pipe again</li>
 * <li>{@code other-options}: answers what {@code Pipes.parent} with other options throws</li>
 * <li>{@code half-frame <file>}: answers {@code whole}, then writes half a frame straight to
 *     stdout, creates the file and waits to be killed</li>
 * </ul>
 *
 * <p>With the argument {@code quiet} it sends no heartbeats, so that nothing but what a test
 * asks for reaches stdout.
 */
public final class EchoChild {

    private EchoChild() {
    }

    public static void main(String[] args) throws Exception {
        boolean quiet = args.length > 0 && args[0].equals("quiet");
        PipeOptions options = quiet ? PipeOptions.builder().heartbeat(Duration.ZERO).build() : PipeOptions.defaults();
        Pipe parent = Pipes.parent(options);
        while (true) {
            Envelope message;
            try {
                message = parent.readEnvelope();
            } catch (PeerClosedException e) {
                return;
            }
            String text = new String(message.payload(), StandardCharsets.UTF_8);
            if (text.startsWith("exit ")) {
                System.exit(Integer.parseInt(text.substring(5)));
            } else if (text.equals("stray")) {
                System.out.println("EchoChild: this line was printed to System.out after Pipes.parent(), so it went to stderr");
                parent.write("printed");
            } else if (text.equals("same-parent")) {
                parent.write(String.valueOf(Pipes.parent(options) == parent));
            } else if (text.equals("other-options")) {
                try {
                    Pipes.parent(PipeOptions.builder().maxMessageSize(1).build());
                    parent.write("accepted");
                } catch (IllegalStateException e) {
                    parent.write("IllegalStateException: " + e.getMessage());
                }
            } else if (text.startsWith("half-frame ")) {
                parent.write("whole");
                parent.flush();
                halfFrameThenWait(parent, Path.of(text.substring("half-frame ".length())));
            } else {
                parent.write(message);
            }
        }
    }

    /** A DATA frame header announcing 100 bytes, then 10 of them, written past the pipe. */
    private static void halfFrameThenWait(Pipe parent, Path marker) throws Exception {
        ByteBuffer half = ByteBuffer.allocate(15).putInt(100).put((byte) 0x01).put(new byte[10]).flip();
        FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
        stdout.write(half.array());
        stdout.flush();
        Files.createFile(marker);
        parent.read();
    }
}
