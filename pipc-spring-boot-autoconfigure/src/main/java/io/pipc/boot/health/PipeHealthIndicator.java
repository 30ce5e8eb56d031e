package io.pipc.boot.health;

import java.util.Objects;

import io.pipc.Pipe;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.SharedPipe;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of one pipe: up while open; out of service while it waits for its peer, with the
 * state {@code connecting} or {@code reconnecting}, the attempts and the last failure; down with
 * the reason once it closed or failed for good.
 *
 * <p>Out of service, not down: the application works and the pipe heals by itself, so a
 * readiness group that includes {@code pipc} takes the application out of traffic while it waits
 * (Spring Boot answers 503 for both), and a liveness probe that leaves {@code pipc} out does not
 * restart it.
 */
public final class PipeHealthIndicator implements HealthIndicator {

    private final Pipe pipe;

    /**
     * @param pipe the pipe; a {@link SharedPipe} also tells connecting and why it is down
     */
    public PipeHealthIndicator(Pipe pipe) {
        this.pipe = Objects.requireNonNull(pipe, "pipe");
    }

    @Override
    public Health health() {
        Health.Builder health = new Health.Builder().withDetail("transport", PipcHeaders.transport(this.pipe.transport()));
        if (!(this.pipe instanceof SharedPipe shared)) {
            return (this.pipe.isOpen() ? health.up() : health.down()).build();
        }
        if (shared.readOwner() != null) {
            health.withDetail("readBy", shared.readOwner());
        }
        return switch (shared.state()) {
            case OPEN -> health.up().withDetail("queued", shared.size()).build();
            case NEW -> health.unknown().withDetail("state", "not opened yet").build();
            case OPENING -> waiting(health, shared, "connecting");
            case RECONNECTING -> waiting(health, shared, "reconnecting");
            case CLOSED, FAILED -> health.down()
                    .withDetail("state", shared.state().name().toLowerCase(java.util.Locale.ROOT))
                    .withDetail("reason", String.valueOf(shared.stateReason()))
                    .build();
        };
    }

    private static Health waiting(Health.Builder health, SharedPipe pipe, String state) {
        health.status(Status.OUT_OF_SERVICE).withDetail("state", state).withDetail("attempts", pipe.attempts());
        if (pipe.peer() != null) {
            health.withDetail("peer", pipe.peer());
        }
        String lastFailure = pipe.lastFailure();
        if (lastFailure != null) {
            health.withDetail("lastFailure", lastFailure);
        }
        if (pipe.stateReason() != null) {
            health.withDetail("reason", String.valueOf(pipe.stateReason()));
        }
        return health.build();
    }
}
