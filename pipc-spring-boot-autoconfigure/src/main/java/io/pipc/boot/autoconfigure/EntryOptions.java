package io.pipc.boot.autoconfigure;

import java.nio.file.Path;
import java.util.List;

import javax.net.ssl.SSLContext;

import io.pipc.PipeOptions;
import io.pipc.Wire;
import io.pipc.integration.PipcThreads;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

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
     * @param tls what its SSL bundle gives, or null
     * @return the options
     */
    static PipeOptions forPipe(String name, PipeDefinition pipe, @Nullable Path directory, @Nullable Tls tls) {
        return common(name, pipe.properties(), pipe.wire(), directory, tls)
                .connectTimeout(pipe.properties().getConnectTimeout())
                .localAddress(pipe.localAddress())
                .tlsHostnameVerification(pipe.properties().isTlsHostnameVerification())
                .build();
    }

    /**
     * @param server the server entry
     * @param directory {@code pipc.directory}
     * @param tls what its SSL bundle gives, or null
     * @return the options
     */
    static PipeOptions forServer(ServerDefinition server, @Nullable Path directory, @Nullable Tls tls) {
        PipcProperties.ServerEntry entry = server.properties();
        return common(server.key(), entry, server.wire(), directory, tls)
                .maxConnections(entry.getMaxConnections())
                .maxHandshakingConnections(entry.getMaxHandshakingConnections())
                .maxHandshakingConnectionsPerAddress(entry.getMaxHandshakingConnectionsPerAddress())
                .maxInboundBuffer(entry.getMaxInboundBuffer().toBytes())
                .tlsClientAuth(entry.isClientAuth())
                .allowedPeerUsers(entry.getAllowedPeerUsers())
                .allowAnyPeerUser(entry.isAllowAnyPeerUser())
                .build();
    }

    private static PipeOptions.Builder common(String name, PipcProperties.Entry entry, Wire wire,
            @Nullable Path directory, @Nullable Tls tls) {
        PipeOptions.Builder builder = PipeOptions.builder();
        if (tls != null) {
            builder.sslContext(tls.context()).tlsProtocols(tls.protocols()).tlsCipherSuites(tls.cipherSuites());
        }
        return builder
                .name(name)
                .maxMessageSize((int) entry.getMaxMessageSize().toBytes())
                .writeTimeout(entry.getWriteTimeout())
                .queueCapacity(entry.getQueueCapacity().getMessages(), entry.getQueueCapacity().getBytes().toBytes())
                .heartbeat(entry.getHeartbeat())
                .handshakeTimeout(entry.getHandshakeTimeout())
                .frameTimeout(entry.getFrameTimeout())
                .secret(entry.getSecret())
                .wire(wire)
                .directory(directory)
                .threadFactory(PipcThreads.ioThreads());
    }

    /**
     * What an SSL bundle gives a pipe or server: its TLS context, and the versions and cipher
     * suites its {@code options} enable (empty for the context's defaults).
     *
     * @param context the bundle's TLS context; one made by {@link #of(SslBundles, String)}
     *        follows the bundle when it is reloaded
     * @param protocols {@code options.enabled-protocols}
     * @param cipherSuites {@code options.ciphers}
     */
    record Tls(SSLContext context, List<String> protocols, List<String> cipherSuites) {

        Tls {
            protocols = List.copyOf(protocols);
            cipherSuites = List.copyOf(cipherSuites);
        }

        /**
         * What a bundle gives, with a context that takes the bundle's new key material when
         * Boot reloads it ({@code reload-on-update}): connections made after a reload use it,
         * those already made keep theirs. The options are read once: a reload changes files,
         * not properties.
         *
         * @param bundles the application's SSL bundles
         * @param name the bundle's name
         * @return its context and options
         * @throws org.springframework.boot.ssl.NoSuchSslBundleException when there is no such bundle
         */
        static Tls of(SslBundles bundles, String name) {
            SslBundle bundle = bundles.getBundle(name);
            ReloadingSslContext context = new ReloadingSslContext(name, bundle.createSslContext());
            bundles.addBundleUpdateHandler(name, context::reload);
            SslOptions options = bundle.getOptions();
            return new Tls(context, names(options.getEnabledProtocols()), names(options.getCiphers()));
        }

        /**
         * Checks the versions and cipher suites against the context now, so that a name it does
         * not know fails the start rather than the first connection.
         *
         * @throws IllegalArgumentException naming what the context does not support
         */
        void checkSupported() {
            PipeOptions.builder().sslContext(this.context).tlsProtocols(this.protocols)
                    .tlsCipherSuites(this.cipherSuites).build();
        }

        private static List<String> names(String @Nullable [] names) {
            return (names != null) ? List.of(names) : List.of();
        }
    }
}
