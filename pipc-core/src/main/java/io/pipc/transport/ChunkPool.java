package io.pipc.transport;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers that outboxes coalesce small frames into, shared by every pipe in the JVM so
 * that an idle connection holds none. At most {@value #MAX_RETAINED} are kept for reuse; past
 * that, released chunks are left to the garbage collector. The last chunk released is the next
 * one taken: a writer that takes one chunk at a time keeps writing into memory it touched just
 * before, rather than cycling through every chunk retained.
 */
final class ChunkPool {

    /** The size of one chunk: frames up to this size are copied, larger payloads go from their own array. */
    static final int CHUNK_SIZE = 64 * 1024;

    private static final int MAX_RETAINED = 256;
    private static final ConcurrentLinkedDeque<ByteBuffer> FREE = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger RETAINED = new AtomicInteger();

    private ChunkPool() {
    }

    /**
     * @return an empty chunk in write mode
     */
    static ByteBuffer acquire() {
        ByteBuffer chunk = FREE.pollFirst();
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
        FREE.offerFirst(chunk);
    }
}
