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

    /**
     * @param connections the connections a spec made for a server, or null for a spec made from a
     *        pipe or from {@code ServerConnections}
     * @param setting the spec's method, for the error
     * @param why why a pipe's endpoint has no such setting
     * @return the connections, to configure
     * @throws IllegalStateException when the spec made none
     */
    static ServerConnections toConfigure(@Nullable ServerConnections connections, String setting, String why) {
        if (connections == null) {
            throw new IllegalStateException(setting + " applies to an endpoint made from a PipeServer; for one made from"
                    + " ServerConnections, call set" + Character.toUpperCase(setting.charAt(0)) + setting.substring(1)
                    + " on them (" + why + ")");
        }
        return connections;
    }

    static Map<Object, @Nullable String> of(@Nullable ServerConnections connections) {
        return (connections != null) ? Collections.singletonMap(connections, null) : Collections.emptyMap();
    }
}
