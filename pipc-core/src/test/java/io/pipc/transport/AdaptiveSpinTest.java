package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AdaptiveSpinTest {

    @Test
    void aSpinInVainChecksTheConditionOncePerSpinPlusOnceMoreThenHalvesTheBudget() {
        AdaptiveSpin spin = new AdaptiveSpin(64, 4);
        AtomicInteger checks = new AtomicInteger();

        boolean held = spin.awaitUntil(() -> {
            checks.incrementAndGet();
            return false;
        });

        assertThat(held).isFalse();
        assertThat(checks).hasValue(65);
        assertThat(spin.budget()).isEqualTo(32);
    }

    @Test
    void aVirtualThreadChecksOnceWithoutSpinningAndLeavesTheBudgetAlone() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads came with JDK 21");
        AdaptiveSpin spin = new AdaptiveSpin(64, 4);
        AtomicInteger checks = new AtomicInteger();
        AtomicBoolean held = new AtomicBoolean(true);
        AtomicBoolean virtual = new AtomicBoolean();

        // Thread.startVirtualThread, through reflection: this code compiles for Java 17.
        Thread thread = (Thread) Thread.class.getMethod("startVirtualThread", Runnable.class).invoke(null, (Runnable) () -> {
            virtual.set(AdaptiveSpin.onVirtualThread());
            held.set(spin.awaitUntil(() -> {
                checks.incrementAndGet();
                return false;
            }));
        });
        thread.join(5_000);

        assertThat(thread.isAlive()).isFalse();
        assertThat(virtual).isTrue();
        assertThat(held).isFalse();
        assertThat(checks).hasValue(1);
        assertThat(spin.budget()).isEqualTo(64);
        assertThat(AdaptiveSpin.onVirtualThread()).as("a platform thread").isFalse();
    }

    @Test
    void repeatedFailuresShrinkTheBudgetToTheFloorAndNoFurther() {
        AdaptiveSpin spin = new AdaptiveSpin(64, 4);

        for (int i = 0; i < 10; i++) {
            spin.awaitUntil(() -> false);
        }

        assertThat(spin.budget()).isEqualTo(4);
    }

    @Test
    void aSpinThatSeesTheConditionStopsThereAndEarnsTheFullBudgetBack() {
        AdaptiveSpin spin = new AdaptiveSpin(64, 4);
        for (int i = 0; i < 10; i++) {
            spin.awaitUntil(() -> false);
        }
        AtomicInteger checks = new AtomicInteger();

        boolean held = spin.awaitUntil(() -> checks.incrementAndGet() == 3);

        assertThat(held).isTrue();
        assertThat(checks).as("no checks after the condition held").hasValue(3);
        assertThat(spin.budget()).isEqualTo(64);
    }

    @Test
    void atTheFloorEveryThirtySecondWaitProbesWithTheFullBudget() {
        AdaptiveSpin spin = new AdaptiveSpin(64, 4);
        for (int i = 0; i < 4; i++) {
            spin.awaitUntil(() -> false);
        }
        assertThat(spin.budget()).isEqualTo(4);

        for (int wait = 1; wait <= 2 * AdaptiveSpin.PROBE_EVERY; wait++) {
            AtomicInteger checks = new AtomicInteger();
            spin.awaitUntil(() -> {
                checks.incrementAndGet();
                return false;
            });
            int expected = wait % AdaptiveSpin.PROBE_EVERY == 0 ? 65 : 5;
            if (checks.get() != expected) {
                assertThat(checks).as("checks in wait %d at the floor", wait).hasValue(expected);
            }
        }
        assertThat(spin.budget()).as("a probe in vain leaves the floor where it was").isEqualTo(4);
    }

    @Test
    void aConditionThatComesTrueWithTheLastCheckCountsAsSuccess() {
        AdaptiveSpin spin = new AdaptiveSpin(8, 2);
        AtomicInteger checks = new AtomicInteger();

        assertThat(spin.awaitUntil(() -> checks.incrementAndGet() == 9)).isTrue();
        assertThat(spin.budget()).isEqualTo(8);
    }

    @Test
    void aTimedSpinInVainLastsItsBudgetThenHalvesIt() {
        Duration limit = Duration.ofMillis(20);
        AdaptiveSpin spin = AdaptiveSpin.timed(limit, Duration.ofMillis(1));
        AtomicInteger checks = new AtomicInteger();
        long start = System.nanoTime();

        boolean held = spin.awaitUntil(() -> {
            checks.incrementAndGet();
            return false;
        });

        assertThat(held).isFalse();
        assertThat(System.nanoTime() - start).as("time spun").isGreaterThanOrEqualTo(limit.toNanos());
        assertThat(checks.get()).as("checks: while spinning and once after").isPositive();
        assertThat(spin.budget()).isEqualTo(limit.toNanos() / 2);
    }

    @Test
    void aTimedSpinShrinksToItsFloorAndASpinThatSeesTheConditionRestoresIt() {
        AdaptiveSpin spin = AdaptiveSpin.timed(Duration.ofNanos(64_000), Duration.ofNanos(4_000));
        for (int i = 0; i < 6; i++) {
            spin.awaitUntil(() -> false);
        }
        assertThat(spin.budget()).isEqualTo(4_000);
        AtomicInteger checks = new AtomicInteger();

        // Already true: however long the first check takes, the spin sees it (a last check follows a spent budget).
        assertThat(spin.awaitUntil(() -> checks.incrementAndGet() > 0)).isTrue();
        assertThat(checks).as("no checks after the condition held").hasValue(1);
        assertThat(spin.budget()).isEqualTo(64_000);
    }

    @Test
    void timedLimitsThatCannotWorkAreRefusedNamingBoth() {
        assertThatThrownBy(() -> AdaptiveSpin.timed(Duration.ofNanos(10), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor 0 ns")
                .hasMessageContaining("limit 10 ns");
    }

    @Test
    void limitsThatCannotWorkAreRefusedNamingBoth() {
        assertThatThrownBy(() -> new AdaptiveSpin(4, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("floor 0").hasMessageContaining("limit 4");
        assertThatThrownBy(() -> new AdaptiveSpin(2, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("floor 4").hasMessageContaining("limit 2");
    }
}
