package io.pipc.transport.inprocess;

import org.jspecify.annotations.Nullable;

/**
 * The fields of an {@link InProcessQueue}, laid out so that what writers change on every
 * message and what readers change on every message never share a cache line: with one line
 * for both, each message would move it between the two cores twice (false sharing), which
 * costs more than the rest of a hand-off. The JVM keeps a superclass's fields before its
 * subclass's, so 128 bytes of unused {@code long}s between the sides keep them apart (two
 * lines, for CPUs that fetch lines in pairs), as JCTools' queues do.
 */
final class QueueSides {

    private QueueSides() {
    }

    /** Padding before the writers' side, away from the object header and whatever precedes it. */
    @SuppressWarnings("unused")
    abstract static class BeforeWriters {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    /** Changed by writers, under {@code writerLock}. */
    abstract static class Writers extends BeforeWriters {
        /** 0 or 1: a spin lock, since the section it guards never blocks and lasts nanoseconds. */
        volatile int writerLock;
        Chunk tail;
        int tailIndex;
        long written;
        long bytesWritten;
        /** Readers' counters as writers last read them: read again only when these say full. */
        long consumedSeen;
        long bytesConsumedSeen;
        /** How many entries writers have published; each store pairs with {@code readersSleeping}. */
        volatile long produced;
        /** Payload bytes published, stored with release only. */
        volatile long bytesProduced;

        Writers(Chunk first) {
            this.tail = first;
        }
    }

    @SuppressWarnings("unused")
    abstract static class BetweenSides extends Writers {
        long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

        BetweenSides(Chunk first) {
            super(first);
        }
    }

    /** Changed by readers, under {@code readerLock}. */
    abstract static class Readers extends BetweenSides {
        volatile int readerLock;
        Chunk head;
        int headIndex;
        long taken;
        long bytesTaken;
        /** How many entries readers have taken; each store pairs with {@code producersSleeping}. */
        volatile long consumed;
        volatile long bytesConsumed;

        Readers(Chunk first) {
            super(first);
            this.head = first;
        }
    }

    /** Padding after the readers' side: what follows is read on every message but seldom written. */
    @SuppressWarnings("unused")
    abstract static class AfterReaders extends Readers {
        long r00, r01, r02, r03, r04, r05, r06, r07, r08, r09, r10, r11, r12, r13, r14, r15;

        AfterReaders(Chunk first) {
            super(first);
        }
    }

    /** A run of slots in the queue's list; {@code next} is null until a writer fills this one. */
    static final class Chunk {

        final @Nullable Object[] slots = new Object[InProcessQueue.CHUNK];
        volatile @Nullable Chunk next;
    }
}
