package io.pipc.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import io.pipc.PipeProcess;

/**
 * A parent in the middle, for the tests: starts a {@link GrandChild} with a pipe, waits for its
 * greeting, writes the grandchild's pid to {@code <dir>/grandchild.pid}, then waits on its own
 * stdin until the test kills it.
 */
public final class MiddleParent {

    private MiddleParent() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PipeProcess child = PipeProcess.start(PipeProcess.javaCommand(GrandChild.class, ChildJvm.OPTIONS, List.of(dir.toString())));
        String greeting = child.pipe().readString(Duration.ofSeconds(30));
        if (!greeting.equals("up")) {
            throw new IllegalStateException("the grandchild said " + greeting);
        }
        Path pid = dir.resolve("grandchild.pid");
        Path partial = dir.resolve("grandchild.pid.partial");
        Files.writeString(partial, Long.toString(child.pid()));
        Files.move(partial, pid, StandardCopyOption.ATOMIC_MOVE);
        while (System.in.read() >= 0) {
            // the test never writes; it kills this process
        }
    }
}
