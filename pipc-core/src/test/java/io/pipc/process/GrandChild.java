package io.pipc.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.pipc.Pipe;
import io.pipc.PipeException;
import io.pipc.Pipes;

/**
 * A child of {@link MiddleParent}, for the tests: says hello on stderr and {@code up} on the
 * pipe, then reads; when the read fails it writes what it saw to {@code <dir>/grandchild.saw}
 * and returns from {@code main}.
 */
public final class GrandChild {

    private GrandChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Pipe parent = Pipes.parent();
        System.err.println("grandchild stderr: hello from " + ProcessHandle.current().pid());
        parent.write("up");
        String saw;
        try {
            saw = "a message: " + parent.readString();
        } catch (PipeException e) {
            saw = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        Path partial = dir.resolve("grandchild.saw.partial");
        Files.writeString(partial, saw);
        Files.move(partial, dir.resolve("grandchild.saw"), StandardCopyOption.ATOMIC_MOVE);
    }
}
