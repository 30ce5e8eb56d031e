package io.pipc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

import io.pipc.transport.Deadline;

/**
 * The implementation of {@link Pipes#select}: register one waiter with every candidate's
 * {@link Readiness}, check them, and park until a signal or the timeout. No polling: a
 * blocked select uses no CPU.
 */
final class Selection {

    private Selection() {
    }

    static List<Selectable> select(Collection<? extends Selectable> candidates, Duration timeout) {
        Objects.requireNonNull(candidates, "candidates");
        Objects.requireNonNull(timeout, "timeout");
        List<Selectable> selectables = List.copyOf(candidates);
        List<Readiness> readinesses = new ArrayList<>(selectables.size());
        for (Selectable selectable : selectables) {
            readinesses.add(Objects.requireNonNull(selectable.readiness(), "readiness of " + selectable));
        }
        Deadline deadline = Deadline.after(timeout);
        Readiness.Waiter waiter = new Readiness.Waiter();
        int announced = -1;
        for (Readiness readiness : readinesses) {
            readiness.register(waiter);
        }
        try {
            while (true) {
                // Reset before checking: a signal that lands after the check is then not lost.
                waiter.reset();
                List<Selectable> ready = new ArrayList<>();
                for (int i = 0; i < selectables.size(); i++) {
                    if (readinesses.get(i).isReady()) {
                        ready.add(selectables.get(i));
                    }
                }
                if (!ready.isEmpty()) {
                    return ready;
                }
                while (!waiter.isWoken()) {
                    long remaining = deadline.remainingNanos();
                    if (remaining <= 0) {
                        return List.of();
                    }
                    if (announced < 0) {
                        // A socket pipe in a poller nobody polls now is read by its event loop while this waits.
                        announced = 0;
                        for (Readiness readiness : readinesses) {
                            readiness.awaited(true);
                            announced++;
                        }
                        continue;
                    }
                    if (remaining == Long.MAX_VALUE) {
                        LockSupport.park(waiter);
                    } else {
                        LockSupport.parkNanos(waiter, remaining);
                    }
                    if (Thread.interrupted()) {
                        Thread.currentThread().interrupt();
                        throw new PipeException("select over " + selectables.size() + " candidates was interrupted",
                                new InterruptedException());
                    }
                }
            }
        } finally {
            for (Readiness readiness : readinesses) {
                readiness.unregister(waiter);
            }
            // Only those told of the wait hear of its end.
            for (int i = 0; i < announced; i++) {
                readinesses.get(i).awaited(false);
            }
        }
    }

}
