package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
