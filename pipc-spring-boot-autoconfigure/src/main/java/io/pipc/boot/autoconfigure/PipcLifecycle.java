package io.pipc.boot.autoconfigure;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.pipc.MessageSink;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Transport;
import io.pipc.integration.PipcThreads;
import io.pipc.integration.PipeMetrics;
import io.pipc.integration.Reconnection;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.SharedPipeServer;
import io.pipc.integration.event.PipeServerListeningEvent;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Opens the configured pipes and makes the configured servers listen when the context starts,
 * in a phase before Spring Integration's inbound endpoints start, so that a port that is taken,
 * or a pipe with {@code reconnect: false} that cannot open, fails the start with a message naming
 * the entry. A pipe that reconnects (the default) opens in the background and the start does not
 * wait for its peer; the others open in parallel, since a rendezvous waits for its peer. On stop, after the endpoints have
 * drained, it closes every pipe (what was written is delivered and the peer told goodbye) and
 * every server.
 *
 * <p>Only the {@code SharedPipe} and {@code SharedPipeServer} beans it made are opened; a bean
 * the application defined under the same name is its own to open and close.
 */
final class PipcLifecycle implements SmartLifecycle, ApplicationEventPublisherAware {

    /** Before inbound endpoints ({@code Integer.MAX_VALUE / 2}), after consumers subscribe. */
    static final int PHASE = Integer.MAX_VALUE / 2 - 1024;

    private static final Logger logger = LoggerFactory.getLogger(PipcLifecycle.class);

    private final PipcDefinitions definitions;

    private final ListableBeanFactory beans;

    private final PipeFactory factory;

    private final Map<String, PipeOptions> pipeOptions = new LinkedHashMap<>();

    private final Map<String, PipeOptions> serverOptions = new LinkedHashMap<>();

    private final Map<String, Pipe> inProcessPeers = new ConcurrentHashMap<>();

    private final List<AutoCloseable> opened = new ArrayList<>();

    private final PipeMetrics metrics;

    private final Duration shutdownPhaseTimeout;

    private @Nullable ApplicationEventPublisher eventPublisher;

    private volatile boolean running;

    /**
     * Builds every entry's options now, so that an SSL bundle that does not exist fails while
     * the context is built, before anything opens.
     */
    PipcLifecycle(PipcDefinitions definitions, ListableBeanFactory beans, PipeFactory factory,
            @Nullable SslBundles sslBundles, PipeMetrics metrics, Duration shutdownPhaseTimeout) {
        this.definitions = definitions;
        this.beans = beans;
        this.factory = factory;
        this.metrics = metrics;
        this.shutdownPhaseTimeout = shutdownPhaseTimeout;
        List<String> problems = new ArrayList<>();
        for (PipeDefinition pipe : definitions.pipes()) {
            EntryOptions.Tls tls = tls(pipe.propertyPrefix(), pipe.properties(), sslBundles, problems);
            this.pipeOptions.put(pipe.key(), EntryOptions.forPipe(pipe.key(), pipe, definitions.directory(), tls));
        }
        for (ServerDefinition server : definitions.servers()) {
            EntryOptions.Tls tls = tls(server.propertyPrefix(), server.properties(), sslBundles, problems);
            this.serverOptions.put(server.key(), EntryOptions.forServer(server, definitions.directory(), tls));
        }
        if (!problems.isEmpty()) {
            throw new InvalidPipcPropertiesException(problems);
        }
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher applicationEventPublisher) {
        this.eventPublisher = applicationEventPublisher;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public void start() {
        warnOfGracePeriodsLongerThanAShutdownPhase();
        try {
            for (ServerDefinition server : this.definitions.servers()) {
                if (this.beans.getBean(server.beanName()) instanceof SharedPipeServer shared && !shared.isAttached()) {
                    listen(server, shared);
                }
            }
            openInProcessPairs();
            openOthersInParallel();
        }
        catch (RuntimeException ex) {
            closeOpened();
            throw ex;
        }
        this.running = true;
    }

    @Override
    public void stop() {
        this.running = false;
        closeOpened();
    }

    /**
     * @param key an in-process pipe entry with no partner
     * @return the other end of its pair
     */
    Pipe inProcessPeer(String key) {
        Pipe peer = this.inProcessPeers.get(key);
        if (peer == null) {
            throw new IllegalArgumentException("pipe '" + key + "' has no in-process peer end: it is not an in-process"
                    + " pipe without a partner, or it is not open yet (it opens when the context starts)");
        }
        return peer;
    }

    private void listen(ServerDefinition server, SharedPipeServer shared) {
        String where = (server.transport() == Transport.TCP)
                ? server.properties().getHost() + ":" + server.properties().getPort()
                : String.valueOf(server.properties().getPath());
        PipeServer listening;
        try {
            SocketAddress address = (server.transport() == Transport.TCP)
                    ? new InetSocketAddress(server.properties().getHost(),
                            Objects.requireNonNull(server.properties().getPort()))
                    : SocketPaths.address(server.properties().getPath(), server.key());
            where = String.valueOf(address);
            PipeOptions options = optionsOf(this.serverOptions, server.key());
            MessageSink sink = shared.messageSink();
            if (sink != null) {
                // The server's connections take each client's messages from the loop that decoded them.
                options = options.toBuilder().messageSink(sink).build();
            }
            listening = this.factory.server(address, options);
        }
        catch (RuntimeException ex) {
            shared.failedToListen(ex);
            throw new IllegalStateException("server '" + server.key() + "' (" + server.propertyPrefix()
                    + ") could not listen on " + where + ": " + ex.getMessage(), ex);
        }
        shared.attach(listening);
        this.opened.add(shared);
        this.metrics.serverListening(
                new PipeMetrics.Origin(server.key(), server.transport(), PipeMetrics.Role.SERVER), shared);
        logger.info("pipc server '{}' listening on {}", server.key(), listening.address());
        publish(new PipeServerListeningEvent(shared, server.key(), server.transport(), listening.address()));
    }

    /**
     * Spring waits at most {@code spring.lifecycle.timeout-per-shutdown-phase} for the beans of
     * one phase to stop, and then goes on, closing the pipes while they may still be draining.
     * The servers drain and then the pipes, in the one phase of {@code PipcShutdown}: their
     * longest grace periods add up.
     */
    private void warnOfGracePeriodsLongerThanAShutdownPhase() {
        List<String> entries = new ArrayList<>();
        String longestPipe = null;
        Duration longestPipeGrace = Duration.ZERO;
        for (PipeDefinition pipe : this.definitions.pipes()) {
            gracePeriodLongerThanAShutdownPhase(pipe.propertyPrefix(), pipe.properties(), entries);
            Duration grace = pipe.properties().getShutdownGracePeriod();
            if (pipe.properties().getInboundChannel() != null && grace.compareTo(longestPipeGrace) > 0) {
                longestPipe = pipe.propertyPrefix();
                longestPipeGrace = grace;
            }
        }
        String longestServer = null;
        Duration longestServerGrace = Duration.ZERO;
        for (ServerDefinition server : this.definitions.servers()) {
            gracePeriodLongerThanAShutdownPhase(server.propertyPrefix(), server.properties(), entries);
            Duration grace = server.properties().getShutdownGracePeriod();
            if (server.properties().getInboundChannel() != null && grace.compareTo(longestServerGrace) > 0) {
                longestServer = server.propertyPrefix();
                longestServerGrace = grace;
            }
        }
        String timeout = PipcDefinitions.format(this.shutdownPhaseTimeout);
        for (String entry : entries) {
            logger.warn("{} exceeds spring.lifecycle.timeout-per-shutdown-phase ({}): Spring stops waiting for the"
                    + " shutdown before the grace period ends, and then what is still being handled may be cut off;"
                    + " raise the phase timeout or lower the grace period", entry, timeout);
        }
        if (entries.isEmpty() && longestPipe != null && longestServer != null
                && longestServerGrace.plus(longestPipeGrace).compareTo(this.shutdownPhaseTimeout) > 0) {
            logger.warn("{}.shutdown-grace-period ({}) and then {}.shutdown-grace-period ({}) together exceed"
                    + " spring.lifecycle.timeout-per-shutdown-phase ({}): the servers drain before the pipes, in one"
                    + " shutdown phase, and Spring may stop waiting before the pipes' drain ends; raise the phase"
                    + " timeout or lower the grace periods", longestServer, PipcDefinitions.format(longestServerGrace),
                    longestPipe, PipcDefinitions.format(longestPipeGrace), timeout);
        }
    }

    private void gracePeriodLongerThanAShutdownPhase(String prefix, PipcProperties.Entry entry, List<String> found) {
        if (entry.getShutdownGracePeriod().compareTo(this.shutdownPhaseTimeout) > 0) {
            found.add(prefix + ".shutdown-grace-period (" + PipcDefinitions.format(entry.getShutdownGracePeriod()) + ")");
        }
    }

    private void openInProcessPairs() {
        Map<String, List<PipeDefinition>> byName = new LinkedHashMap<>();
        for (PipeDefinition pipe : this.definitions.pipes()) {
            if (pipe.transport() == Transport.IN_PROCESS) {
                byName.computeIfAbsent(pipe.rendezvousName(), (name) -> new ArrayList<>()).add(pipe);
            }
        }
        byName.forEach((name, ends) -> {
            PipeDefinition first = ends.get(0);
            PipePair pair = this.factory.pair(optionsOf(this.pipeOptions, first.key()).toBuilder().name(name).build());
            attach(first, pair.left());
            if (ends.size() > 1) {
                attach(ends.get(1), pair.right());
            }
            else {
                this.inProcessPeers.put(first.key(), pair.right());
            }
            this.opened.add(pair);
        });
    }

    private void attach(PipeDefinition pipe, Pipe end) {
        if (this.beans.getBean(pipe.beanName()) instanceof SharedPipe shared && !shared.isAttached()) {
            shared.attach(end);
            this.opened.add(shared);
        }
    }

    /**
     * Pipes that reconnect open in the background and the start goes on; the others open in
     * parallel, and the start waits for them.
     */
    private void openOthersInParallel() {
        List<Opening> openings = new ArrayList<>();
        for (PipeDefinition pipe : this.definitions.pipes()) {
            if (pipe.transport() != Transport.IN_PROCESS
                    && this.beans.getBean(pipe.beanName()) instanceof SharedPipe shared && !shared.isAttached()) {
                if (pipe.properties().isReconnect()) {
                    shared.connectInBackground(reconnection(pipe, shared));
                    this.opened.add(shared);
                    continue;
                }
                shared.opening();
                Opening opening = new Opening(pipe, shared);
                openings.add(opening);
                opening.thread.start();
            }
        }
        List<String> failures = new ArrayList<>();
        RuntimeException first = null;
        for (Opening opening : openings) {
            opening.join();
            if (opening.failure != null) {
                failures.add("pipe '" + opening.pipe.key() + "' (" + opening.pipe.propertyPrefix() + ", "
                        + describe(opening.pipe) + ") could not open: " + opening.failure.getMessage());
                first = (first != null) ? first : opening.failure;
            }
            else if (opening.result != null) {
                this.opened.add(opening.shared);
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(String.join("; ", failures), first);
        }
    }

    private Reconnection reconnection(PipeDefinition pipe, SharedPipe shared) {
        PipcProperties.Backoff properties = pipe.properties().getBackoff();
        ExponentialBackOff backOff = new ExponentialBackOff(properties.getInitialInterval().toMillis(),
                properties.getMultiplier());
        backOff.setMaxInterval(properties.getMaxInterval().toMillis());
        return new Reconnection(describe(pipe), () -> open(pipe, shared.messageSink()), backOff,
                optionsOf(this.pipeOptions, pipe.key()).writeTimeout());
    }

    /** Options are made for every entry in the constructor, before anything opens. */
    private static PipeOptions optionsOf(Map<String, PipeOptions> made, String key) {
        return Objects.requireNonNull(made.get(key), () -> "no options were made for '" + key + "'");
    }

    /**
     * @param sink where its endpoints take its messages (a socket pipe hands them over on its
     *        event loop), or null when nothing reads it
     */
    private Pipe open(PipeDefinition pipe, @Nullable MessageSink sink) {
        PipeOptions options = optionsOf(this.pipeOptions, pipe.key());
        if (sink != null && (pipe.transport() == Transport.UNIX || pipe.transport() == Transport.TCP)) {
            options = options.toBuilder().messageSink(sink).build();
        }
        PipcProperties.PipeEntry entry = pipe.properties();
        return switch (pipe.transport()) {
            case FIFO -> this.factory.named(pipe.rendezvousName(), options);
            case UNIX -> this.factory.connect(SocketPaths.address(entry.getPath(), pipe.key()), options);
            case TCP -> (pipe.mode() == TcpMode.RENDEZVOUS)
                    ? this.factory.remote(entry.getHost(), Objects.requireNonNull(entry.getPort()), options)
                    : this.factory.connect(new InetSocketAddress(entry.getHost(), Objects.requireNonNull(entry.getPort())),
                            options);
            default -> throw new IllegalStateException("transport " + pipe.transport() + " is not opened here");
        };
    }

    private static String describe(PipeDefinition pipe) {
        PipcProperties.PipeEntry entry = pipe.properties();
        return switch (pipe.transport()) {
            case FIFO -> "fifo '" + pipe.rendezvousName() + "'";
            case UNIX -> "unix socket " + entry.getPath();
            case TCP -> "tcp " + pipe.mode().propertyValue() + " " + entry.getHost() + ":" + entry.getPort()
                    + ((pipe.localAddress() != null) ? " from " + entry.getLocalAddress() : "");
            default -> pipe.transport().name();
        };
    }

    private void closeOpened() {
        List<AutoCloseable> closing = new ArrayList<>(this.opened);
        this.opened.clear();
        for (AutoCloseable closeable : closing) {
            try {
                closeable.close();
            }
            catch (Exception ex) {
                logger.warn("could not close {}: {}", closeable, ex.toString());
            }
        }
    }

    private void publish(Object event) {
        if (this.eventPublisher != null) {
            this.eventPublisher.publishEvent(event);
        }
    }

    private static EntryOptions.@Nullable Tls tls(String prefix, PipcProperties.Entry entry,
            @Nullable SslBundles sslBundles, List<String> problems) {
        String bundle = entry.getSslBundle();
        if (bundle == null) {
            return null;
        }
        if (sslBundles == null) {
            problems.add(prefix + ".ssl-bundle needs Spring Boot's SSL bundles (spring.ssl.bundle.*), and there are none"
                    + " (was '" + bundle + "')");
            return null;
        }
        EntryOptions.Tls tls;
        try {
            tls = EntryOptions.Tls.of(sslBundles, bundle);
        }
        catch (NoSuchSslBundleException ex) {
            problems.add(prefix + ".ssl-bundle must name an SSL bundle configured under spring.ssl.bundle (was '" + bundle
                    + "')");
            return null;
        }
        catch (RuntimeException ex) {
            problems.add(prefix + ".ssl-bundle '" + bundle + "' cannot make a TLS context: " + ex.getMessage());
            return null;
        }
        try {
            tls.checkSupported();
        }
        catch (IllegalArgumentException ex) {
            problems.add(prefix + ".ssl-bundle '" + bundle + "' has options (enabled-protocols, ciphers) its TLS context"
                    + " does not support: " + ex.getMessage());
            return null;
        }
        return tls;
    }

    /** One pipe opening on its own thread, as a rendezvous may wait for its peer. */
    private final class Opening {

        private final PipeDefinition pipe;

        private final SharedPipe shared;

        private final Thread thread;

        private volatile @Nullable Pipe result;

        private volatile @Nullable RuntimeException failure;

        Opening(PipeDefinition pipe, SharedPipe shared) {
            this.pipe = pipe;
            this.shared = shared;
            this.thread = PipcThreads.newThread("pipc-open-" + pipe.key(), true, this::open);
        }

        private void open() {
            try {
                Pipe pipe = PipcLifecycle.this.open(this.pipe, this.shared.messageSink());
                this.result = pipe;
                this.shared.attach(pipe);
            }
            catch (RuntimeException ex) {
                this.failure = ex;
                this.shared.failedToOpen(ex);
            }
        }

        void join() {
            try {
                this.thread.join();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                this.failure = new IllegalStateException("interrupted while pipe '" + this.pipe.key() + "' opened", ex);
            }
        }
    }
}
