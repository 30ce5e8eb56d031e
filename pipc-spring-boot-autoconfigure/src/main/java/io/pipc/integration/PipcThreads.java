package io.pipc.integration;

import java.util.concurrent.ThreadFactory;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * The few threads the starter keeps for its own work, not the application's (a pipe's or a
 * server's accepting thread, a drain, a pipe opening in the background), made in this one place
 * through Spring's {@link CustomizableThreadFactory}. The application's flows never run on
 * them when a server's executor hands its messages over; a pipe's reading thread runs a
 * {@code DirectChannel} flow itself.
 */
public final class PipcThreads {

    private static final CustomizableThreadFactory DAEMONS = factory(true);

    private static final CustomizableThreadFactory KEEPING_ALIVE = factory(false);

    /**
     * The core's threads for the starter's pipes and servers: one factory for all of them, so
     * that they share the core's event loops (the core keeps loops per factory).
     */
    private static final CustomizableThreadFactory IO = io();

    private PipcThreads() {
    }

    /**
     * @param name the thread's name
     * @param daemon whether the thread lets the JVM end while it runs
     * @param task what it runs
     * @return the thread, not started
     */
    public static Thread newThread(String name, boolean daemon, Runnable task) {
        Thread thread = (daemon ? DAEMONS : KEEPING_ALIVE).createThread(task);
        thread.setName(name);
        return thread;
    }

    /**
     * @return Spring's thread factory for the core's event loops and watchdog of the pipes and
     *         servers the starter opens ({@code PipeOptions.threadFactory}): daemon platform
     *         threads named {@code pipc-io-<n>}. Not virtual threads, even with
     *         {@code spring.threads.virtual.enabled}: a loop spends its life in a selector
     */
    public static ThreadFactory ioThreads() {
        return IO;
    }

    private static CustomizableThreadFactory io() {
        CustomizableThreadFactory factory = new CustomizableThreadFactory("pipc-io-");
        factory.setDaemon(true);
        return factory;
    }

    private static CustomizableThreadFactory factory(boolean daemon) {
        CustomizableThreadFactory factory = new CustomizableThreadFactory("pipc-");
        factory.setDaemon(daemon);
        return factory;
    }
}
