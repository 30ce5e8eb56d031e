package io.pipc.transport.socket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a server holds for all its clients together ({@link io.pipc.PipeOptions#maxInboundBuffer()}):
 * messages received and not yet read, plus messages that have begun to arrive. Each client's
 * pipe adds what it takes in and subtracts what the application reads; once the total reaches
 * the limit, pipes stop reading (their peers' writes block, as with a full queue) and wait here.
 * They are woken together once the application has read the total down to half, so that they
 * refill it in batches rather than one read at a time. A read first {@linkplain #reserve claims}
 * the room it may fill, so that loops reading at the same time cannot together take in more
 * than is left; what the read brings in is counted out of its claim (the pipe does that), and
 * the rest of the claim is let go when the read ends.
 *
 * <p>Thread-safe: pipes add from their event loops, the application's readers subtract. A pipe
 * registers to wait and then checks again, and a reader subtracts and then looks for waiters,
 * both through sequentially consistent atomics: a wake-up cannot fall between the two.
 */
final class InboundBudget {

    private final long limit;
    private final long resumeAt;
    private final AtomicLong held = new AtomicLong();
    private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();

    /**
     * @param limit the most bytes held before pipes stop reading; at least 1
     */
    InboundBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("an inbound buffer limit must be at least 1 byte (was " + limit + ")");
        }
        this.limit = limit;
        this.resumeAt = limit / 2;
    }

    /**
     * @return whether the limit is reached: pipes should stop reading
     */
    boolean isSpent() {
        return held.get() >= limit;
    }

    /**
     * @return the bytes held now, with the room claimed by reads under way
     */
    long held() {
        return held.get();
    }

    /**
     * Claims room for a read: the bytes it may take in count as held from now on; the pipe
     * counts what the read brings in out of the claim, and lets go of the rest
     * ({@code add(-rest)}) when the read ends.
     *
     * @param bytes the most the read wants
     * @return the bytes claimed, at most what is left below the limit; 0 when the limit is reached
     */
    int reserve(int bytes) {
        while (true) {
            long now = held.get();
            long room = limit - now;
            if (room <= 0) {
                return 0;
            }
            int claim = (int) Math.min(bytes, room);
            if (held.compareAndSet(now, now + claim)) {
                return claim;
            }
        }
    }

    /**
     * @param bytes bytes taken in (positive) or let go (negative); letting go down to half the
     *        limit wakes every waiting pipe
     */
    void add(long bytes) {
        long now = held.addAndGet(bytes);
        if (bytes < 0 && now <= resumeAt && !waiting.isEmpty()) {
            for (Runnable wake : waiting) {
                if (waiting.remove(wake)) {
                    wake.run();
                }
            }
        }
    }

    /**
     * Registers a pipe that stopped reading because the limit is reached.
     *
     * @param wake run once the total is down to half; must not block (it hands work to a loop)
     * @return false when the limit was no longer reached after registering: nothing is
     *         registered and the pipe may read on
     */
    boolean await(Runnable wake) {
        waiting.add(wake);
        if (!isSpent()) {
            waiting.remove(wake);
            return false;
        }
        return true;
    }

    /**
     * @param wake a registration to drop, as when its pipe is gone or reads again
     */
    void forget(Runnable wake) {
        waiting.remove(wake);
    }
}
