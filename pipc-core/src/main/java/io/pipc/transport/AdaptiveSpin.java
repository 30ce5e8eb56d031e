package io.pipc.transport;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

/**
 * A short busy wait for another thread's progress, before a thread parks. Parking and being
 * unparked cost a system call on each side and a trip through the scheduler, microseconds,
 * while a thread running on the other core often delivers sooner; {@code SynchronousQueue}
 * spins before it parks for the same reason.
 *
 * <p>Every eighth spin yields the core instead of pausing: on a machine with more runnable
 * threads than cores, the thread awaited may be the one waiting for a core, and a spin that
 * only burns its time slice delays the very progress it waits for (on a loaded 2-core
 * machine a spin that never yielded gained nothing; see docs/architecture.md).
 *
 * <p>The spin adapts, so that it costs little when it does not pay: a spin that saw the
 * condition come true earns the full budget for the next one; a spin that waited in vain
 * halves the budget, down to a floor. Every {@value #PROBE_EVERY}th wait at the floor tries the
 * full budget again, so that the budget grows back once spinning pays again.
 *
 * <p>A virtual thread does not spin: it checks once and goes on to park. Its park costs no
 * system call (the continuation leaves its carrier), while its spin would hold a carrier that
 * the other virtual threads need, and each yield would unmount and reschedule it.
 *
 * <p>The budget is counted in turns ({@link #AdaptiveSpin(int, int)}), or in time
 * ({@link #timed(Duration, Duration)}): a wait for something that takes tens of microseconds,
 * such as a reply over a socket, cannot be sized in turns, whose length depends on how often
 * the yields give the core away.
 *
 * <p>Only the time spent waiting depends on it: the caller checks the condition again under
 * its own lock afterwards, whether the spin succeeded or not. One instance may be shared by
 * threads; their racing updates of the budget may lose a step of adaptation, nothing else.
 */
public final class AdaptiveSpin {

    /** As many spins as {@code SynchronousQueue} makes before parking, on a machine with more than one core. */
    public static final int DEFAULT_LIMIT = 512;

    /** What is left after failures: a probe cheap enough to pay on every wait. */
    public static final int DEFAULT_FLOOR = 16;

    /** How often a spin at the floor tries the full limit, so that the budget can recover once spinning pays again. */
    static final int PROBE_EVERY = 32;

    /** Every eighth spin yields the core: on a machine with more threads than cores the thread awaited may be waiting for it. */
    private static final int YIELD_MASK = 7;

    /** {@code Thread.isVirtual()} where the JDK has it (21 and later); this module's bytecode is Java 17's. */
    private static final @Nullable MethodHandle IS_VIRTUAL = isVirtualMethod();

    /** Whether the budget is nanoseconds rather than turns. */
    private final boolean timed;
    private final long limit;
    private final long floor;
    private long budget;
    private int waitsAtFloor;

    /**
     * @param limit the most spins one wait makes, at least {@code floor}
     * @param floor the fewest spins one wait makes, at least 1
     */
    public AdaptiveSpin(int limit, int floor) {
        this(false, limit, floor, "");
    }

    private AdaptiveSpin(boolean timed, long limit, long floor, String unit) {
        if (floor < 1 || limit < floor) {
            throw new IllegalArgumentException("spin limits must satisfy 1 <= floor <= limit (were floor "
                    + floor + unit + ", limit " + limit + unit + ")");
        }
        this.timed = timed;
        this.limit = limit;
        this.floor = floor;
        this.budget = limit;
    }

    /**
     * @param limit the longest one wait spins, at least {@code floor}
     * @param floor the shortest one wait spins, at least a nanosecond
     * @return a spin whose budget is time: each wait spins until the condition holds or its
     *         budget has passed, and adapts the budget as a spin counted in turns does
     */
    public static AdaptiveSpin timed(Duration limit, Duration floor) {
        return new AdaptiveSpin(true, limit.toNanos(), floor.toNanos(), " ns");
    }

    /**
     * @return a spin with {@link #DEFAULT_LIMIT} and {@link #DEFAULT_FLOOR}
     */
    public static AdaptiveSpin withDefaults() {
        return new AdaptiveSpin(DEFAULT_LIMIT, DEFAULT_FLOOR);
    }

    /**
     * Spins until {@code condition} holds or the budget is spent, and adapts the budget.
     *
     * @param condition cheap, thread-safe and never blocking: typically one volatile read
     * @return whether the condition held before the budget was spent
     */
    public boolean awaitUntil(BooleanSupplier condition) {
        if (onVirtualThread()) {
            return condition.getAsBoolean();
        }
        long spins = budget;
        if (spins == floor && ++waitsAtFloor % PROBE_EVERY == 0) {
            spins = limit;
        }
        long start = timed ? System.nanoTime() : 0;
        for (long turn = 0; !spent(turn, start, spins); turn++) {
            if (condition.getAsBoolean()) {
                budget = limit;
                return true;
            }
            if ((turn & YIELD_MASK) == YIELD_MASK) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
        if (condition.getAsBoolean()) {
            budget = limit;
            return true;
        }
        budget = Math.max(floor, budget >>> 1);
        return false;
    }

    /** Whether a wait that began at {@code start} and has made {@code turns} turns has spent {@code spins}. */
    private boolean spent(long turns, long start, long spins) {
        return timed ? System.nanoTime() - start >= spins : turns >= spins;
    }

    /**
     * @return whether the calling thread is a virtual thread
     */
    static boolean onVirtualThread() {
        MethodHandle isVirtual = IS_VIRTUAL;
        if (isVirtual == null) {
            return false;
        }
        try {
            return (boolean) isVirtual.invokeExact(Thread.currentThread());
        } catch (Throwable e) {
            throw new IllegalStateException("Thread.isVirtual() failed", e);
        }
    }

    private static @Nullable MethodHandle isVirtualMethod() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // JDK 17 to 20: no virtual threads (or none this code may ask about)
        }
    }

    /**
     * @return how many turns, or nanoseconds, the next wait may spin
     */
    long budget() {
        return budget;
    }
}
