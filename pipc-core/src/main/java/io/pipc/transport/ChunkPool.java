package io.pipc.transport;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jspecify.annotations.Nullable;

/**
 * Direct buffers that outboxes coalesce small frames into, shared by every pipe in the JVM so
 * that an idle connection holds none. At most {@value #MAX_RETAINED} are kept for reuse; past
 * that, released chunks are left to the garbage collector. A thread takes back the chunk it
 * released last, when no other thread of its slot took it meanwhile: a writer that takes one
 * chunk at a time (a reply written whole at once) keeps writing into memory it touched just
 * before, and its take and release cost one atomic exchange each and no allocation. Chunks
 * beyond the slots wait in a deque, the last released taken first.
 */
final class ChunkPool {

    /** The size of one chunk: frames up to this size are copied, larger payloads go from their own array. */
    static final int CHUNK_SIZE = 64 * 1024;

    private static final int MAX_RETAINED = 256;
    /** How many threads' last chunks are kept apart from the deque; a power of two. */
    private static final int SLOTS = 16;

    /** Slots this far apart in {@link #HOT} sit on cache lines of their own. */
    private static final int SPREAD = 16;

    /** A thread's slot holds the chunk it, or a thread of the same slot, released last. */
    private static final AtomicReferenceArray<@Nullable ByteBuffer> HOT = new AtomicReferenceArray<>(SLOTS * SPREAD);

    private static final ConcurrentLinkedDeque<ByteBuffer> FREE = new ConcurrentLinkedDeque<>();

    /** Chunks in the slots and the deque together. */
    private static final AtomicInteger RETAINED = new AtomicInteger();

    private ChunkPool() {
    }

    /**
     * @return an empty chunk in write mode
     */
    static ByteBuffer acquire() {
        int slot = slot();
        ByteBuffer chunk = HOT.get(slot) == null ? null : HOT.getAndSet(slot, null);
        if (chunk == null) {
            chunk = FREE.pollFirst();
        }
        if (chunk == null) {
            return ByteBuffer.allocateDirect(CHUNK_SIZE);
        }
        RETAINED.decrementAndGet();
        return chunk;
    }

    /**
     * @param chunk a chunk no longer in use by anyone
     */
    static void release(ByteBuffer chunk) {
        if (RETAINED.incrementAndGet() > MAX_RETAINED) {
            RETAINED.decrementAndGet();
            return;
        }
        chunk.clear();
        int slot = slot();
        if (HOT.get(slot) != null || !HOT.compareAndSet(slot, null, chunk)) {
            FREE.offerFirst(chunk);
        }
    }

    /** The calling thread's slot in {@link #HOT}. */
    private static int slot() {
        int hash = System.identityHashCode(Thread.currentThread());
        return ((hash ^ (hash >>> 16)) & (SLOTS - 1)) * SPREAD;
    }
}
