package io.pipc.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kills, after each test, every process the test started and left running: the test JVM's new
 * descendants, and processes handed to {@link #track} (a grandchild whose parent died is no
 * longer a descendant). Fails the test when one survives being killed.
 */
public final class SpawnedProcesses implements BeforeEachCallback, AfterEachCallback {

    private final List<ProcessHandle> tracked = new CopyOnWriteArrayList<>();
    private Set<Long> before = Set.of();

    @Override
    public void beforeEach(ExtensionContext context) {
        before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /**
     * @param process a process to kill after the test if it is still alive
     * @return the process
     */
    public ProcessHandle track(ProcessHandle process) {
        tracked.add(process);
        return process;
    }

    /**
     * @param process a process to kill after the test if it is still alive
     * @return the process
     */
    public Process track(Process process) {
        tracked.add(process.toHandle());
        return process;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<ProcessHandle> left = new ArrayList<>(tracked);
        ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).forEach(left::add);
        tracked.clear();
        for (ProcessHandle process : left) {
            process.destroyForcibly();
        }
        for (ProcessHandle process : left) {
            process.onExit().get(10, TimeUnit.SECONDS);
            assertThat(process.isAlive()).as("process %d survived being killed", process.pid()).isFalse();
        }
    }
}
