package io.pipc.integration.dsl;

import java.util.Collections;
import java.util.Map;

import io.pipc.integration.ServerConnections;

import org.jspecify.annotations.Nullable;

/**
 * The beans a spec adds to the flow: the {@link ServerConnections} it made for a server, so
 * that the context starts and stops them.
 */
final class Registrations {

    private Registrations() {
    }

    static Map<Object, @Nullable String> of(@Nullable ServerConnections connections) {
        return (connections != null) ? Collections.singletonMap(connections, null) : Collections.emptyMap();
    }
}
