package io.pipc.transport.socket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread with one {@link Selector}: it accepts, connects, reads, writes when a socket has
 * room again, and ticks every {@value #TICK_MILLIS} ms so that connections check their
 * deadlines. A small fixed set of loops serves every socket in the JVM; their threads are
 * daemons, so they never keep a JVM alive.
 *
 * <p>Other threads hand it work with {@link #execute}; the selector is woken only when it
 * sleeps, never once per task.
 */
final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    static final int TICK_MILLIS = 50;
    private static final int READ_BUFFER_SIZE = 64 * 1024;
    private static final EventLoop[] LOOPS = new EventLoop[Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()))];
    private static final AtomicInteger NEXT = new AtomicInteger();

    /** Something registered with a loop: told when its channel is ready, and on every tick. */
    interface Handler {
        /**
         * @param key the key, with its ready operations
         */
        void ready(SelectionKey key);

        /**
         * @param nowNanos the loop's clock
         */
        void tick(long nowNanos);
    }

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final List<Handler> handlers = new ArrayList<>();
    /** Shared by every connection of this loop: reads decode everything they read at once. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);

    private EventLoop(int index) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the pipc event loop", e);
        }
        this.thread = new Thread(this, "pipc-loop-" + index);
        thread.setDaemon(true);
    }

    /**
     * @return a loop for a new connection or server, in turn
     */
    static EventLoop next() {
        int index = Math.floorMod(NEXT.getAndIncrement(), LOOPS.length);
        synchronized (LOOPS) {
            if (LOOPS[index] == null) {
                EventLoop loop = new EventLoop(index);
                loop.thread.start();
                LOOPS[index] = loop;
            }
            return LOOPS[index];
        }
    }

    /**
     * @return whether the calling thread is this loop's
     */
    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on the loop: at once when called from it, else soon.
     *
     * @param task what to run; must not block
     */
    void execute(Runnable task) {
        if (inLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        if (!awake.getAndSet(true)) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop after what it is doing now, even when called from the loop:
     * for work that would otherwise recurse, such as reading again what a layer still holds.
     *
     * @param task what to run; must not block
     */
    void executeLater(Runnable task) {
        tasks.add(task);
        if (!inLoop() && !awake.getAndSet(true)) {
            selector.wakeup();
        }
    }

    /**
     * Registers a channel; on the loop thread only.
     *
     * @param channel a non-blocking channel
     * @param ops the interest set
     * @param handler told when it is ready
     * @return the key
     * @throws IOException when the channel is closed
     */
    SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws IOException {
        SelectionKey key = channel.register(selector, ops, handler);
        handlers.add(handler);
        return key;
    }

    /**
     * Stops ticking a handler; on the loop thread only. Its key should be cancelled by its owner.
     *
     * @param handler the handler
     */
    void forget(Handler handler) {
        handlers.remove(handler);
    }

    /**
     * @return the buffer a read on this loop may use; on the loop thread only, emptied by the reader
     */
    ByteBuffer readBuffer() {
        return readBuffer;
    }

    @Override
    public void run() {
        long nextTick = System.nanoTime() + TICK_MILLIS * 1_000_000L;
        while (true) {
            try {
                awake.set(false);
                if (tasks.isEmpty()) {
                    long wait = Math.max(1, (nextTick - System.nanoTime()) / 1_000_000L);
                    selector.select(wait);
                } else {
                    selector.selectNow();
                }
                awake.set(true);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isValid()) {
                        Handler handler = (Handler) key.attachment();
                        try {
                            handler.ready(key);
                        } catch (RuntimeException e) {
                            log.error("pipc event loop {}: a connection failed unexpectedly", thread.getName(), e);
                        }
                    }
                }
                // Only the tasks queued so far: one that queues itself again waits for the next round.
                for (int n = tasks.size(); n > 0; n--) {
                    Runnable task = tasks.poll();
                    if (task == null) {
                        break;
                    }
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.error("pipc event loop {}: a task failed unexpectedly", thread.getName(), e);
                    }
                }
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    nextTick = now + TICK_MILLIS * 1_000_000L;
                    for (Handler handler : List.copyOf(handlers)) {
                        try {
                            handler.tick(now);
                        } catch (RuntimeException e) {
                            log.error("pipc event loop {}: a connection's deadline check failed", thread.getName(), e);
                        }
                    }
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // One connection's failure must never stop the loop that serves the others.
                log.error("pipc event loop {}: unexpected failure, carrying on", thread.getName(), e);
            }
        }
    }
}
