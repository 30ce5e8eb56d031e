package io.pipc.boot.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;
import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.integration.PipeInboundChannelAdapter;
import io.pipc.integration.PipeInboundGateway;
import io.pipc.integration.PipeMetrics;
import io.pipc.integration.PipeOutboundChannelAdapter;
import io.pipc.integration.PipeOutboundGateway;
import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.SharedPipeServer;
import io.pipc.integration.observation.PipcReceiveObservationConvention;
import io.pipc.integration.observation.PipcRequestReceiveObservationConvention;
import io.pipc.integration.observation.PipcRequestSendObservationConvention;
import io.pipc.integration.observation.PipcSendObservationConvention;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.env.Environment;

/**
 * Makes the beans of each checked entry: the factory that the bean definitions of
 * {@link PipcBeanRegistrar} name, one method per kind of bean, the entry's key as argument.
 * Definitions of that shape are what AOT turns into code, so the same beans come out of
 * {@code process-aot} and run with the values configured when the application starts.
 *
 * <p>Made once the properties are bound and checked, so that nothing is made from a
 * configuration that cannot work.
 *
 * <p>Endpoints are observed in the application's {@link ObservationRegistry}, when it has one,
 * with the observation conventions it declares as beans.
 */
final class PipcBeans {

    static final String BEAN_NAME = "pipcBeans";

    /** How long Spring waits for the beans of one lifecycle phase to stop. */
    private static final String SHUTDOWN_PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

    /** Spring Boot's default of {@link #SHUTDOWN_PHASE_TIMEOUT}. */
    private static final Duration DEFAULT_SHUTDOWN_PHASE_TIMEOUT = Duration.ofSeconds(30);

    /** Why the configured entries and the registered beans can differ, and what to do. */
    private static final String AOT_FIXED = "the application was processed ahead of time (AOT) with other pipc"
            + " entries, which fixed which entries there are, their channels and whether they are gateways; process"
            + " it with this configuration, or start it without spring.aot.enabled";

    private final PipcDefinitions definitions;

    private final ListableBeanFactory beans;

    private final Environment environment;

    /** One shared pipe per entry, whoever defined the bean, so that its endpoints share one reader. */
    private final Map<String, SharedPipe> sharedPipes = new ConcurrentHashMap<>();

    /**
     * @param definitions the checked entries
     * @param beans where the entries' beans are
     * @param environment where the shutdown phase timeout and the threading of servers' executors are configured
     * @throws InvalidPipcPropertiesException when the entries need beans that were not
     *         registered: the application was processed ahead of time with other entries
     */
    PipcBeans(PipcDefinitions definitions, ListableBeanFactory beans, Environment environment) {
        this.definitions = definitions;
        this.beans = beans;
        this.environment = environment;
        requireRegistered();
    }

    SharedPipe pipe(String key) {
        PipeDefinition pipe = pipeDefinition(key);
        SharedPipe shared = new SharedPipe(key, pipe.transport());
        shared.setMetrics(metrics());
        String executor = pipe.properties().getExecutor();
        if (executor != null) {
            shared.setTaskExecutor(namedExecutor("pipc.pipes." + key + ".executor", executor, "the pipe's"));
        }
        else {
            shared.setTaskExecutorFactory(new ServerTaskExecutors(this.environment, this.beans).forPipe(key));
        }
        return shared;
    }

    PipeInboundChannelAdapter pipeInboundAdapter(String key) {
        PipeDefinition pipe = pipeDefinition(key);
        PipeInboundChannelAdapter adapter = inbound(new PipeInboundChannelAdapter(sharedPipe(pipe)), pipe);
        adapter.setShutdownGracePeriod(pipe.properties().getShutdownGracePeriod());
        return adapter;
    }

    PipeInboundGateway pipeInboundGateway(String key) {
        PipeDefinition pipe = pipeDefinition(key);
        PipeInboundGateway gateway = inbound(new PipeInboundGateway(sharedPipe(pipe)), pipe);
        gateway.setShutdownGracePeriod(pipe.properties().getShutdownGracePeriod());
        return gateway;
    }

    PipeOutboundChannelAdapter pipeOutboundAdapter(String key) {
        PipeDefinition pipe = pipeDefinition(key);
        return outbound(new PipeOutboundChannelAdapter(sharedPipe(pipe)), pipe);
    }

    PipeOutboundGateway pipeOutboundGateway(String key) {
        PipeDefinition pipe = pipeDefinition(key);
        required(pipe, pipe.properties().getOutboundChannel(), "outbound-channel");
        PipeOutboundGateway gateway = new PipeOutboundGateway(sharedPipe(pipe));
        gateway.setCodec(pipe.payloadCodec());
        gateway.setReplyTimeout(pipe.properties().getReplyTimeout());
        gateway.setReplySpin(pipe.properties().getReplySpin());
        gateway.setObservationRegistry(observationRegistry());
        gateway.setRequestSendObservationConvention(convention(PipcRequestSendObservationConvention.class));
        return gateway;
    }

    SharedPipeServer server(String key) {
        ServerDefinition server = serverDefinition(key);
        return new SharedPipeServer(key, server.transport());
    }

    ServerConnections serverConnections(String key) {
        ServerDefinition server = serverDefinition(key);
        ServerConnections connections = new ServerConnections(this.beans.getBean(server.beanName(), PipeServer.class));
        connections.setShutdownGracePeriod(server.properties().getShutdownGracePeriod());
        connections.setHandlerThreads(server.properties().getHandlerThreads());
        String executor = server.properties().getExecutor();
        if (executor != null) {
            connections.setTaskExecutor(namedExecutor("pipc.servers." + key + ".executor", executor, "the server's"));
        }
        else {
            connections.setTaskExecutorFactory(new ServerTaskExecutors(this.environment, this.beans).forServer(key));
        }
        connections.setMetrics(metrics());
        return connections;
    }

    private Executor namedExecutor(String property, String name, String whose) {
        if (name.isBlank()) {
            throw new InvalidPipcPropertiesException(List.of(property + " must name an Executor bean (was blank);"
                    + " leave it out to use " + whose + " own executor"));
        }
        try {
            return this.beans.getBean(name, Executor.class);
        }
        catch (NoSuchBeanDefinitionException ex) {
            throw new InvalidPipcPropertiesException(List.of(property + " names no bean (was '" + name
                    + "'); give the name of an Executor bean, such as applicationTaskExecutor"));
        }
        catch (BeanNotOfRequiredTypeException ex) {
            throw new InvalidPipcPropertiesException(List.of(property + " names bean '" + name + "', a "
                    + ex.getActualType().getName() + ", which is not an Executor"));
        }
    }

    PipeInboundChannelAdapter serverInboundAdapter(String key) {
        ServerDefinition server = serverDefinition(key);
        return inbound(new PipeInboundChannelAdapter(connections(server)), server);
    }

    PipeInboundGateway serverInboundGateway(String key) {
        ServerDefinition server = serverDefinition(key);
        return inbound(new PipeInboundGateway(connections(server)), server);
    }

    PipeOutboundChannelAdapter serverOutboundAdapter(String key) {
        ServerDefinition server = serverDefinition(key);
        return outbound(new PipeOutboundChannelAdapter(connections(server)), server);
    }

    PipcLifecycle lifecycle() {
        Duration shutdownPhaseTimeout = Binder.get(this.environment).bind(SHUTDOWN_PHASE_TIMEOUT, Duration.class)
                .orElse(DEFAULT_SHUTDOWN_PHASE_TIMEOUT);
        return new PipcLifecycle(this.definitions, this.beans, this.beans.getBean(PipeFactory.class),
                this.beans.getBeanProvider(SslBundles.class).getIfAvailable(), metrics(), shutdownPhaseTimeout);
    }

    PipeRegistry registry() {
        Map<String, Pipe> pipes = new LinkedHashMap<>();
        for (PipeDefinition pipe : this.definitions.pipes()) {
            pipes.put(pipe.key(), this.beans.getBean(pipe.beanName(), Pipe.class));
        }
        Map<String, PipeServer> servers = new LinkedHashMap<>();
        for (ServerDefinition server : this.definitions.servers()) {
            servers.put(server.key(), this.beans.getBean(server.beanName(), PipeServer.class));
        }
        return new PipeRegistry(pipes, servers, this::inProcessPeer);
    }

    /** A pipe the factory opened in-process in place of its transport has its peer there; others, the lifecycle's pairs. */
    private Pipe inProcessPeer(String key) {
        PipeDefinition pipe = pipeDefinition(key);
        if (this.beans.getBean(pipe.beanName()) instanceof SharedPipe shared) {
            // A pipe that reconnects opens in the background, a stand-in in an instant: wait for it.
            shared.awaitOpen(pipe.properties().getConnectTimeout());
        }
        Pipe standIn = this.beans.getBean(PipeFactory.class).inProcessPeer(key);
        return (standIn != null) ? standIn
                : this.beans.getBean(PipcBeanRegistrar.LIFECYCLE_BEAN_NAME, PipcLifecycle.class).inProcessPeer(key);
    }

    private SharedPipe sharedPipe(PipeDefinition pipe) {
        return this.sharedPipes.computeIfAbsent(pipe.key(),
                (key) -> SharedPipe.of(this.beans.getBean(pipe.beanName(), Pipe.class)));
    }

    private ServerConnections connections(ServerDefinition server) {
        return this.beans.getBean(PipcBeanRegistrar.connectionsBeanName(server.key()), ServerConnections.class);
    }

    private ObservationRegistry observationRegistry() {
        return this.beans.getBeanProvider(ObservationRegistry.class).getIfUnique(() -> ObservationRegistry.NOOP);
    }

    private <T> @Nullable T convention(Class<T> type) {
        return this.beans.getBeanProvider(type).getIfUnique();
    }

    private PipeMetrics metrics() {
        return this.beans.getBeanProvider(PipeMetrics.class).getIfAvailable(() -> PipeMetrics.NONE);
    }

    private PipeDefinition pipeDefinition(String key) {
        for (PipeDefinition pipe : this.definitions.pipes()) {
            if (pipe.key().equals(key)) {
                return pipe;
            }
        }
        throw notConfigured(PipcDefinitions.propertyPrefix("pipc.pipes", key));
    }

    private ServerDefinition serverDefinition(String key) {
        for (ServerDefinition server : this.definitions.servers()) {
            if (server.key().equals(key)) {
                return server;
            }
        }
        throw notConfigured(PipcDefinitions.propertyPrefix("pipc.servers", key));
    }

    /**
     * Only an application processed ahead of time can have the beans of an entry that is not
     * configured, or miss those of one that is: AOT fixed its beans at build time.
     *
     * @throws InvalidPipcPropertiesException naming each entry whose beans are missing
     */
    private void requireRegistered() {
        List<String> problems = new ArrayList<>();
        PipcLayout layout = PipcLayout.of(this.definitions);
        layout.pipes().forEach((key, entry) -> missing(PipcDefinitions.propertyPrefix("pipc.pipes", key),
                PipcBeanRegistrar.pipeBeanNames(key, entry), problems));
        layout.servers().forEach((key, entry) -> missing(PipcDefinitions.propertyPrefix("pipc.servers", key),
                PipcBeanRegistrar.serverBeanNames(key, entry), problems));
        if (!problems.isEmpty()) {
            throw new InvalidPipcPropertiesException(problems);
        }
    }

    private void missing(String prefix, Collection<String> beanNames, List<String> problems) {
        beanNames.stream().filter((name) -> !this.beans.containsBean(name)).findFirst()
                .ifPresent((name) -> problems.add(prefix + " has no bean '" + name + "': " + AOT_FIXED));
    }

    private static IllegalStateException notConfigured(String prefix) {
        return new IllegalStateException("a bean of " + prefix + " is being made, but " + prefix + " is not configured"
                + " as it was when the beans were registered: " + AOT_FIXED);
    }

    private static String required(EntryDefinition entry, @Nullable String value, String property) {
        if (value == null) {
            throw notConfigured(entry.propertyPrefix() + "." + property);
        }
        return value;
    }

    private PipeInboundChannelAdapter inbound(PipeInboundChannelAdapter adapter, EntryDefinition entry) {
        adapter.setOutputChannelName(required(entry, entry.properties().getInboundChannel(), "inbound-channel"));
        adapter.setCodec(entry.payloadCodec());
        adapter.setObservationRegistry(observationRegistry());
        adapter.setReceiveObservationConvention(convention(PipcReceiveObservationConvention.class));
        return adapter;
    }

    private PipeInboundGateway inbound(PipeInboundGateway gateway, EntryDefinition entry) {
        gateway.setRequestChannelName(required(entry, entry.properties().getInboundChannel(), "inbound-channel"));
        gateway.setCodec(entry.payloadCodec());
        gateway.setReplyTimeout(entry.properties().getReplyTimeout());
        gateway.setMaxInFlight(entry.properties().getMaxInFlight());
        gateway.setObservationRegistry(observationRegistry());
        gateway.setRequestReceiveObservationConvention(convention(PipcRequestReceiveObservationConvention.class));
        return gateway;
    }

    private PipeOutboundChannelAdapter outbound(PipeOutboundChannelAdapter adapter, EntryDefinition entry) {
        required(entry, entry.properties().getOutboundChannel(), "outbound-channel");
        adapter.setCodec(entry.payloadCodec());
        adapter.setObservationRegistry(observationRegistry());
        adapter.setSendObservationConvention(convention(PipcSendObservationConvention.class));
        return adapter;
    }
}
