package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A server's inbound budget, without sockets: when pipes stop reading, and when they are woken. */
@Timeout(10)
class InboundBudgetTest {

    private final InboundBudget budget = new InboundBudget(1000);
    private final AtomicInteger woken = new AtomicInteger();
    private final Runnable wake = woken::incrementAndGet;

    @Test
    void isSpentOnceTheLimitIsReached() {
        budget.add(999);
        assertThat(budget.isSpent()).isFalse();

        budget.add(1);

        assertThat(budget.isSpent()).isTrue();
        assertThat(budget.held()).isEqualTo(1000);
    }

    @Test
    void aReadClaimsAtMostTheRoomLeftAndNothingOnceTheLimitIsReached() {
        budget.add(900);

        assertThat(budget.reserve(64)).isEqualTo(64);
        assertThat(budget.reserve(64)).as("36 left").isEqualTo(36);
        assertThat(budget.reserve(64)).isZero();
        assertThat(budget.held()).isEqualTo(1000);
        assertThat(budget.isSpent()).isTrue();
    }

    @Test
    void readsClaimingAtOnceFromManyThreadsNeverTogetherPassTheLimit() throws Exception {
        int threads = 8;
        AtomicInteger claimed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                readers.add(pool.submit(() -> {
                    start.await();
                    for (int got = budget.reserve(7); got > 0; got = budget.reserve(7)) {
                        claimed.addAndGet(got);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> reader : readers) {
                reader.get(5, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(claimed).hasValue(1000);
        assertThat(budget.held()).isEqualTo(1000);
    }

    @Test
    void lettingGoOfAClaimWakesWaitersLikeAnyRead() {
        int claim = budget.reserve(1000);
        assertThat(budget.await(wake)).isTrue();

        budget.add(-claim);

        assertThat(woken).hasValue(1);
        assertThat(budget.held()).isZero();
    }

    @Test
    void waitersAreWokenOnceTheTotalIsDownToHalf() {
        budget.add(1200);
        assertThat(budget.await(wake)).isTrue();

        budget.add(-600);
        assertThat(woken).as("600 held: still more than half").hasValue(0);

        budget.add(-100);
        assertThat(woken).hasValue(1);

        budget.add(-100);
        assertThat(woken).as("woken once per registration").hasValue(1);
    }

    @Test
    void registeringWhenThereIsRoomRegistersNothing() {
        budget.add(10);

        assertThat(budget.await(wake)).isFalse();

        budget.add(2000);
        budget.add(-2000);
        assertThat(woken).hasValue(0);
    }

    @Test
    void aForgottenWaiterIsNotWoken() {
        budget.add(1000);
        budget.await(wake);

        budget.forget(wake);
        budget.add(-1000);

        assertThat(woken).hasValue(0);
    }

    @Test
    void addingNeverWakes() {
        budget.add(1000);
        budget.await(wake);
        budget.add(-600);
        budget.add(-100);
        int before = woken.get();

        budget.add(5);

        assertThat(woken).hasValue(before);
    }

    @Test
    void aLimitBelowOneByteIsRefused() {
        assertThatThrownBy(() -> new InboundBudget(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(was 0)");
    }
}
