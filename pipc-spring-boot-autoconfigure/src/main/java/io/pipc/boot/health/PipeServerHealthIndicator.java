package io.pipc.boot.health;

import java.util.Objects;

import io.pipc.PipeServer;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.SharedPipeServer;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one server: up while it listens, with its address and how many clients are
 * connected; down with the reason when it could not listen or was closed.
 */
public final class PipeServerHealthIndicator implements HealthIndicator {

    private final PipeServer server;

    private final @Nullable ServerConnections connections;

    /**
     * @param server the server
     * @param connections its clients, when an endpoint accepts them
     */
    public PipeServerHealthIndicator(PipeServer server, @Nullable ServerConnections connections) {
        this.server = Objects.requireNonNull(server, "server");
        this.connections = connections;
    }

    @Override
    public Health health() {
        Health.Builder health = new Health.Builder();
        if (this.server instanceof SharedPipeServer shared) {
            health.withDetail("transport", PipcHeaders.transport(shared.transport()));
            SharedPipe.State state = shared.state();
            if (state == SharedPipe.State.NEW) {
                return health.unknown().withDetail("state", "not listening yet").build();
            }
            if (state == SharedPipe.State.FAILED) {
                return health.down().withDetail("reason", String.valueOf(shared.stateReason())).build();
            }
        }
        if (!this.server.isOpen()) {
            return health.down().withDetail("reason", "closed").build();
        }
        health.up().withDetail("address", String.valueOf(this.server.address()));
        if (this.connections != null) {
            health.withDetail("connections", this.connections.getConnectionIds().size());
        }
        return health.build();
    }
}
