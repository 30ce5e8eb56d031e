package io.pipc.integration;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The names of the JVM's live threads, read from the thread MXBean without any stack: tests see
 * which threads pipc runs, never where a thread waits (as pipc-core's tests do).
 */
public final class LiveThreads {

    private LiveThreads() {
    }

    /**
     * @return the live threads: name, id, daemon or not; no stack
     */
    public static List<ThreadInfo> all() {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        return Arrays.stream(bean.getThreadInfo(bean.getAllThreadIds(), 0)).filter(Objects::nonNull).toList();
    }

    /**
     * @return the names of the live threads
     */
    public static List<String> names() {
        return all().stream().map(ThreadInfo::getThreadName).toList();
    }
}
