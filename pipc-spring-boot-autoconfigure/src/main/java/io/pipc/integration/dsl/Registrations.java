package io.pipc.integration.dsl;

import java.util.Collections;
import java.util.Map;
import java.util.concurrent.Executor;

import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;

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

    /**
     * @param connections the connections a spec made for a server, or null
     * @param pipe the pipe a spec was made from, or null
     * @param taskExecutor the executor: a pipe's hands its messages over (see
     *        {@link SharedPipe#setTaskExecutor}), a server's its clients'
     * @throws IllegalStateException for a spec made from {@code ServerConnections}
     */
    static void setTaskExecutor(@Nullable ServerConnections connections, @Nullable SharedPipe pipe,
            Executor taskExecutor) {
        if (pipe != null) {
            pipe.setTaskExecutor(taskExecutor);
            return;
        }
        toConfigure(connections, "taskExecutor", "the connections' executor is theirs").setTaskExecutor(taskExecutor);
    }

    static Map<Object, @Nullable String> of(@Nullable ServerConnections connections) {
        return (connections != null) ? Collections.singletonMap(connections, null) : Collections.emptyMap();
    }
}
