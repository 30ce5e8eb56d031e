package io.pipc.boot.health;

import java.util.Objects;

import io.pipc.Pipe;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.SharedPipe;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of one pipe: up while open, connecting while a rendezvous waits for its peer,
 * down with the reason once it closed or failed.
 */
public final class PipeHealthIndicator implements HealthIndicator {

    /** A pipe that is opening: a rendezvous or connect waiting for its peer. */
    public static final Status CONNECTING = new Status("CONNECTING", "waiting for the peer");

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
            case OPENING -> health.status(CONNECTING).build();
            case CLOSED, FAILED -> health.down()
                    .withDetail("state", shared.state().name().toLowerCase(java.util.Locale.ROOT))
                    .withDetail("reason", String.valueOf(shared.stateReason()))
                    .build();
        };
    }
}
