package io.pipc.boot.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.pipc.PipeServer;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.PipeMetrics;

import org.jspecify.annotations.Nullable;

/**
 * {@link PipeMetrics} recorded with Micrometer. Every meter is tagged by {@code name},
 * {@code transport} and {@code role} ({@code pipe} or {@code server}), never by connection id:
 * <ul>
 * <li>{@code pipc.messages.received}, {@code pipc.messages.sent}: counters of messages;</li>
 * <li>{@code pipc.bytes.received}, {@code pipc.bytes.sent}: counters of payload bytes;</li>
 * <li>{@code pipc.connections.open}: gauge of a server's connected clients;</li>
 * <li>{@code pipc.connections.refused}: counter of the clients a server refused (over its
 * connection limit, failed checks or handshakes), read from
 * {@link PipeServer#refusedConnections()};</li>
 * <li>{@code pipc.connections.limited}: counter of those refused because a limit was reached
 * ({@code max-connections}, {@code max-handshaking-connections-per-address}), read from
 * {@link PipeServer#refusedOverLimits()};</li>
 * <li>{@code pipc.inbound.buffered}: gauge of the bytes a server holds for its clients (unread
 * and partial messages, bounded by {@code max-inbound-buffer}), read from
 * {@link PipeServer#bufferedBytes()};</li>
 * <li>{@code pipc.failures}: counter of failures, also tagged by {@code kind} (codec, handler,
 * authentication, reply-timeout, dropped, connection); a server's authentication failures are
 * read from {@link PipeServer#authenticationFailures()}.</li>
 * </ul>
 * The registry is looked up on first use, so that this bean does not depend on the order in
 * which the registry is configured.
 */
public final class MicrometerPipeMetrics implements PipeMetrics {

    private final Supplier<@Nullable MeterRegistry> registryLookup;

    private volatile @Nullable MeterRegistry registry;

    private volatile boolean looked;

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private final Map<Origin, AtomicInteger> openConnections = new ConcurrentHashMap<>();

    private final Set<Origin> servers = ConcurrentHashMap.newKeySet();

    /**
     * @param registryLookup finds the registry when the first measurement is made; may give null
     *        when there is none, and then nothing is recorded
     */
    public MicrometerPipeMetrics(Supplier<@Nullable MeterRegistry> registryLookup) {
        this.registryLookup = Objects.requireNonNull(registryLookup, "registryLookup");
    }

    @Override
    public void messageReceived(Origin origin, int bytes) {
        count("pipc.messages.received", origin, null, 1);
        count("pipc.bytes.received", origin, null, bytes);
    }

    @Override
    public void messageSent(Origin origin, int bytes) {
        count("pipc.messages.sent", origin, null, 1);
        count("pipc.bytes.sent", origin, null, bytes);
    }

    @Override
    public void serverListening(Origin origin, PipeServer server) {
        MeterRegistry current = registry();
        if (current == null || !this.servers.add(origin)) {
            return;
        }
        FunctionCounter.builder("pipc.connections.refused", server, PipeServer::refusedConnections)
                .tags(tags(origin))
                .register(current);
        FunctionCounter.builder("pipc.connections.limited", server, PipeServer::refusedOverLimits)
                .tags(tags(origin))
                .register(current);
        Gauge.builder("pipc.inbound.buffered", server, PipeServer::bufferedBytes)
                .tags(tags(origin))
                .baseUnit("bytes")
                .register(current);
        FunctionCounter.builder("pipc.failures", server, PipeServer::authenticationFailures)
                .tags(tags(origin))
                .tag("kind", kind(Failure.AUTHENTICATION))
                .register(current);
    }

    @Override
    public void connectionOpened(Origin origin) {
        AtomicInteger open = openConnections(origin);
        if (open != null) {
            open.incrementAndGet();
        }
    }

    @Override
    public void connectionClosed(Origin origin) {
        AtomicInteger open = openConnections(origin);
        if (open != null) {
            open.decrementAndGet();
        }
    }

    @Override
    public void failure(Origin origin, Failure kind) {
        if (kind == Failure.AUTHENTICATION && origin.role() == Role.SERVER) {
            // Counted by the server itself; see serverListening.
            return;
        }
        count("pipc.failures", origin, kind(kind), 1);
    }

    private static String kind(Failure kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private void count(String name, Origin origin, @Nullable String kind, double amount) {
        MeterRegistry current = registry();
        if (current == null) {
            return;
        }
        String key = name + '|' + origin + '|' + kind;
        Counter counter = this.counters.computeIfAbsent(key, (k) -> {
            Counter.Builder builder = Counter.builder(name).tags(tags(origin));
            if (kind != null) {
                builder.tag("kind", kind);
            }
            if (name.startsWith("pipc.bytes")) {
                builder.baseUnit("bytes");
            }
            return builder.register(current);
        });
        counter.increment(amount);
    }

    private @Nullable AtomicInteger openConnections(Origin origin) {
        MeterRegistry current = registry();
        if (current == null) {
            return null;
        }
        return this.openConnections.computeIfAbsent(origin, (o) -> {
            AtomicInteger open = new AtomicInteger();
            Gauge.builder("pipc.connections.open", open, AtomicInteger::get).tags(tags(o)).register(current);
            return open;
        });
    }

    private @Nullable MeterRegistry registry() {
        if (!this.looked) {
            this.registry = this.registryLookup.get();
            this.looked = true;
        }
        return this.registry;
    }

    private static Tags tags(Origin origin) {
        return Tags.of("name", origin.name(),
                "transport", PipcHeaders.transport(origin.transport()),
                "role", origin.role().name().toLowerCase(Locale.ROOT));
    }
}
