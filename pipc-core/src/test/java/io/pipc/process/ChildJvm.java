package io.pipc.process;

import java.util.List;

/** JVM options that make the test suite's child JVMs start fast and stay small. */
public final class ChildJvm {

    /** Small heap, shared class data, the quick compiler only. */
    public static final List<String> OPTIONS = List.of("-Xmx64m", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC");

    private ChildJvm() {
    }
}
