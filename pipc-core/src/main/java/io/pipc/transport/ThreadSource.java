package io.pipc.transport;

import java.util.concurrent.ThreadFactory;

import org.jspecify.annotations.Nullable;

/**
 * Where each thread of pipc's comes from: the application's {@link ThreadFactory} when it gave
 * one ({@link io.pipc.PipeOptions#threadFactory()}), which then decides names, daemon status and
 * the kind of thread; otherwise a daemon thread named for what it does, so that pipc never keeps
 * a JVM alive.
 */
public final class ThreadSource {

    private ThreadSource() {
    }

    /**
     * @param factory the application's factory, or null
     * @param name the name of pipc's own thread, e.g. {@code pipc-loop-0}
     * @param task what the thread runs
     * @return a new thread, not yet started
     */
    public static Thread newThread(@Nullable ThreadFactory factory, String name, Runnable task) {
        if (factory != null) {
            Thread thread = factory.newThread(task);
            if (thread == null) {
                throw new IllegalStateException("the ThreadFactory in PipeOptions.threadFactory refused to make a thread for "
                        + name + " (it returned null)");
            }
            return thread;
        }
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
