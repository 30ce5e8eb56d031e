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
import io.pipc.PipeException;
import io.pipc.PipeOptions;
import io.pipc.Pipes;

/**
 * A child JVM for the tests: echoes every message back with its headers, and obeys a few
 * commands. It returns from {@code main} (exit code 0) when the parent closes the pipe.
 *
 * <ul>
 * <li>{@code exit N <file>}: writes {@value #LAST_MESSAGES} messages of {@value #LAST_MESSAGE_SIZE} bytes, numbered
 *     from 0 in their first four bytes, creates the file and exits with code N, without closing
 *     the pipe</li>
 * <li>{@code stray}: prints a line to {@code System.out}, then answers {@code printed}</li>
 * <li>{@code same-parent}: answers whether {@code Pipes.parent()} returns this pipe again</li>
 * <li>{@code other-options}: answers what {@code Pipes.parent} with other options throws</li>
 * <li>{@code half-frame <file>}: answers {@code whole}, then writes half a frame straight to
 *     stdout, creates the file and waits to be killed</li>
 * </ul>
 *
 * <p>With the argument {@code quiet} it sends no heartbeats, so that nothing but what a test
 * asks for reaches stdout; with {@code secret=<text>} it requires that secret of the parent; with
 * {@code banner} it prints to {@code System.out} before calling {@code Pipes.parent()}, as it must not.
 */
public final class EchoChild {

    /** How many messages {@code exit} writes: they fit in the pipe's outbox, so the writes do not block. */
    public static final int LAST_MESSAGES = 100;
    /** The size of the messages written before {@code exit}. */
    public static final int LAST_MESSAGE_SIZE = 8 * 1024;

    private EchoChild() {
    }

    public static void main(String[] args) throws Exception {
        PipeOptions.Builder builder = PipeOptions.builder();
        for (String arg : args) {
            if (arg.equals("banner")) {
                // The mistake a test wants to see reported: output on stdout before the pipe exists.
                System.out.print("BANNER");
            } else if (arg.equals("quiet")) {
                builder.heartbeat(Duration.ZERO);
            } else if (arg.startsWith("secret=")) {
                builder.secret(arg.substring("secret=".length()));
            }
        }
        PipeOptions options = builder.build();
        Pipe parent;
        try {
            parent = Pipes.parent(options);
        } catch (PipeException e) {
            // The parent's test expects this; one line on stderr says enough.
            System.err.println("EchoChild: no pipe to the parent: " + e.getMessage());
            System.exit(2);
            return;
        }
        while (true) {
            Envelope message;
            try {
                message = parent.readEnvelope();
            } catch (PeerClosedException e) {
                return;
            }
            String text = new String(message.payload(), StandardCharsets.UTF_8);
            if (text.startsWith("exit ")) {
                String[] words = text.split(" ");
                for (int i = 0; i < LAST_MESSAGES; i++) {
                    parent.write(ByteBuffer.allocate(LAST_MESSAGE_SIZE).putInt(i).array());
                }
                Files.createFile(Path.of(words[2]));
                System.exit(Integer.parseInt(words[1]));
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
