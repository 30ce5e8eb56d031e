package io.pipc.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The JVM's live threads by name, read from the thread MXBean without any stack: tests count
 * pipc's threads with it, and never look at where a thread waits.
 */
public final class LiveThreads {

    private LiveThreads() {
    }

    /**
     * @param prefix how the names begin, e.g. {@code pipc-loop-}
     * @return the ids of the live threads whose names begin with it
     */
    public static List<Long> named(String prefix) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        ThreadInfo[] infos = bean.getThreadInfo(bean.getAllThreadIds(), 0);
        return Arrays.stream(infos).filter(Objects::nonNull).filter(info -> info.getThreadName().startsWith(prefix))
                .map(ThreadInfo::getThreadId).toList();
    }
}
