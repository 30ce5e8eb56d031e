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
import java.util.concurrent.ThreadFactory;

import io.pipc.transport.ThreadSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread with one {@link Selector}: it accepts, connects, reads, writes when a socket has
 * room again, and ticks every {@value #TICK_MILLIS} ms so that connections check their
 * deadlines. A small set of loops ({@link EventLoopGroup}) serves every socket made with one
 * thread factory; the loops exist while some socket holds them.
 *
 * <p>A connection's state belongs to its loop: other threads hand the loop work with
 * {@link #execute}, and code that may only run there checks {@link #inEventLoop()}. The selector
 * is woken only when it sleeps, never once per task.
 */
public final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    static final int TICK_MILLIS = 50;
    private static final int READ_BUFFER_SIZE = 64 * 1024;

    /** Something registered with a loop: told when its channel is ready, and on every tick. */
    public interface Handler {
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
    /** Set once by {@link #shutdown()}: the loop ends after the work already handed to it. */
    private volatile boolean stopping;
    private final List<Handler> handlers = new ArrayList<>();
    /** Loop only: what waits for the selector to let go of the channels closed so far. */
    private List<Runnable> afterDeregistration = new ArrayList<>();
    /** Shared by every connection of this loop: reads decode everything they read at once. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);

    /**
     * Opens the selector and starts the thread.
     *
     * @param factory where the thread comes from, or null for pipc's own daemon thread
     * @param index the loop's number in its group, for its name
     */
    EventLoop(@Nullable ThreadFactory factory, int index) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the pipc event loop", e);
        }
        try {
            this.thread = ThreadSource.newThread(factory, "pipc-loop-" + index, this);
            thread.start();
        } catch (RuntimeException | Error e) {
            try {
                selector.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * @return whether the calling thread is this loop's: the only thread that may touch the
     *         state of the connections it serves
     */
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Ends the loop once it has run the work already handed to it; called when nothing holds
     * it any more. Work handed to it later is dropped: it can only come from a connection that
     * is gone.
     */
    void shutdown() {
        stopping = true;
        if (!inEventLoop()) {
            selector.wakeup();
        }
    }

    /**
     * @return whether the loop's thread has ended; for tests
     */
    boolean hasEnded() {
        return !thread.isAlive();
    }

    /**
     * Runs {@code task} on the loop: at once when called from it, else soon.
     *
     * @param task what to run; must not block
     */
    public void execute(Runnable task) {
        if (inEventLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        if (!awake.getAndSet(true) && selector.isOpen()) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop after what it is doing now, even when called from the loop:
     * for work that would otherwise recurse, such as reading again what a layer still holds.
     *
     * @param task what to run; must not block
     */
    public void executeLater(Runnable task) {
        tasks.add(task);
        if (!inEventLoop() && !awake.getAndSet(true) && selector.isOpen()) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on the loop once its selector has let go of every channel whose key was
     * cancelled so far; on the loop thread only. A registered channel keeps its descriptor (a
     * listener its port, a socket its connection) after {@code close()} until the selector's next
     * round deregisters it: whoever must know it is really gone hears so from here.
     *
     * @param task what to run; must not block
     */
    public void afterDeregistration(Runnable task) {
        assert inEventLoop() : "deregistration awaited off the loop";
        afterDeregistration.add(task);
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
    public SelectionKey register(SelectableChannel channel, int ops, Handler handler) throws IOException {
        assert inEventLoop() : "registered off the loop";
        SelectionKey key = channel.register(selector, ops, handler);
        handlers.add(handler);
        return key;
    }

    /**
     * Stops ticking a handler; on the loop thread only. Its key should be cancelled by its owner.
     *
     * @param handler the handler
     */
    public void forget(Handler handler) {
        assert inEventLoop() : "forgotten off the loop";
        handlers.remove(handler);
    }

    /**
     * @return the buffer a read on this loop may use; on the loop thread only, emptied by the reader
     */
    ByteBuffer readBuffer() {
        assert inEventLoop() : "the loop's read buffer used off the loop";
        return readBuffer;
    }

    @Override
    public void run() {
        long nextTick = System.nanoTime() + TICK_MILLIS * 1_000_000L;
        while (true) {
            try {
                awake.set(false);
                if (tasks.isEmpty() && afterDeregistration.isEmpty()) {
                    long wait = Math.max(1, (nextTick - System.nanoTime()) / 1_000_000L);
                    selector.select(wait);
                } else {
                    selector.selectNow();
                }
                awake.set(true);
                runAfterDeregistration();
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
                if (stopping && tasks.isEmpty() && afterDeregistration.isEmpty()) {
                    end();
                    return;
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // One connection's failure must never stop the loop that serves the others.
                log.error("pipc event loop {}: unexpected failure, carrying on", thread.getName(), e);
            }
        }
    }

    /** The select that just returned deregistered the keys cancelled before it. */
    private void runAfterDeregistration() {
        if (afterDeregistration.isEmpty()) {
            return;
        }
        List<Runnable> due = afterDeregistration;
        afterDeregistration = new ArrayList<>();
        for (Runnable task : due) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("pipc event loop {}: a task failed unexpectedly", thread.getName(), e);
            }
        }
    }

    private void end() {
        if (!handlers.isEmpty()) {
            log.warn("pipc event loop {} ends with {} connections still registered", thread.getName(), handlers.size());
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("pipc event loop {}: closing its selector failed: {}", thread.getName(), e.getMessage());
        }
    }
}
