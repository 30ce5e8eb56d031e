package io.pipc.boot.autoconfigure;

import java.nio.file.Path;

import javax.net.ssl.SSLContext;

import io.pipc.PipeOptions;
import io.pipc.Wire;

import org.jspecify.annotations.Nullable;

/**
 * Turns a checked entry into {@link PipeOptions}.
 */
final class EntryOptions {

    private EntryOptions() {
    }

    /**
     * @param name the pipe's or server's name
     * @param pipe the pipe entry
     * @param wire its wire
     * @param directory {@code pipc.directory}
     * @param sslContext the context of its SSL bundle, or null
     * @return the options
     */
    static PipeOptions forPipe(String name, PipeDefinition pipe, @Nullable Path directory,
            @Nullable SSLContext sslContext) {
        return common(name, pipe.properties(), pipe.wire(), directory, sslContext)
                .connectTimeout(pipe.properties().getConnectTimeout())
                .localAddress(pipe.localAddress())
                .tlsHostnameVerification(pipe.properties().isTlsHostnameVerification())
                .build();
    }

    /**
     * @param server the server entry
     * @param directory {@code pipc.directory}
     * @param sslContext the context of its SSL bundle, or null
     * @return the options
     */
    static PipeOptions forServer(ServerDefinition server, @Nullable Path directory,
            @Nullable SSLContext sslContext) {
        PipcProperties.ServerEntry entry = server.properties();
        return common(server.key(), entry, server.wire(), directory, sslContext)
                .maxConnections(entry.getMaxConnections())
                .tlsClientAuth(entry.isClientAuth())
                .allowedPeerUsers(entry.getAllowedPeerUsers())
                .allowAnyPeerUser(entry.isAllowAnyPeerUser())
                .build();
    }

    private static PipeOptions.Builder common(String name, PipcProperties.Entry entry, Wire wire,
            @Nullable Path directory, @Nullable SSLContext sslContext) {
        return PipeOptions.builder()
                .name(name)
                .maxMessageSize((int) entry.getMaxMessageSize().toBytes())
                .writeTimeout(entry.getWriteTimeout())
                .queueCapacity(entry.getQueueCapacity().getMessages(), entry.getQueueCapacity().getBytes().toBytes())
                .heartbeat(entry.getHeartbeat())
                .handshakeTimeout(entry.getHandshakeTimeout())
                .frameTimeout(entry.getFrameTimeout())
                .secret(entry.getSecret())
                .sslContext(sslContext)
                .wire(wire)
                .directory(directory);
    }
}
