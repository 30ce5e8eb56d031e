package io.pipc.boot.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.pipc.Codec;
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

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.config.ConsumerEndpointFactoryBean;
import org.springframework.messaging.MessageHandler;

/**
 * Registers the beans of each {@code pipc.pipes} and {@code pipc.servers} entry: the pipe or
 * server, the endpoints its channels ask for, the channels that are named but not declared
 * (as {@code DirectChannel}s, the way Spring Integration creates them), plus the
 * {@link PipeRegistry} and the {@link PipcLifecycle} that opens everything on start.
 *
 * <p>Bean names follow the entry's key: {@code ordersPipe}, {@code ordersPipeInboundAdapter},
 * {@code apiPipeServer}, {@code apiPipeServerConnections}, and so on. A bean the application
 * already defines under one of these names is left alone and used in its place.
 */
final class PipcBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware,
        BeanClassLoaderAware {

    static final String LIFECYCLE_BEAN_NAME = "pipcLifecycle";

    static final String REGISTRY_BEAN_NAME = "pipeRegistry";

    /** How long Spring waits for the beans of one lifecycle phase to stop. */
    private static final String SHUTDOWN_PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

    /** Spring Boot's default of {@link #SHUTDOWN_PHASE_TIMEOUT}. */
    private static final Duration DEFAULT_SHUTDOWN_PHASE_TIMEOUT = Duration.ofSeconds(30);

    @SuppressWarnings("NullAway.Init")
    private Environment environment;

    @SuppressWarnings("NullAway.Init")
    private ListableBeanFactory beanFactory;

    private @Nullable ClassLoader classLoader;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        this.beanFactory = (ListableBeanFactory) beanFactory;
    }

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        this.classLoader = classLoader;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
        PipcProperties properties = Binder.get(this.environment).bind("pipc", PipcProperties.class)
                .orElseGet(PipcProperties::new);
        PipcDefinitions definitions = PipcDefinitions.resolve(properties, this.classLoader);
        if (definitions.isEmpty()) {
            return;
        }
        Registration registration = new Registration(registry, this.beanFactory,
                new ServerTaskExecutors(this.environment, this.beanFactory));
        for (PipeDefinition pipe : definitions.pipes()) {
            registration.pipe(pipe);
        }
        for (ServerDefinition server : definitions.servers()) {
            registration.server(server);
        }
        Duration shutdownPhaseTimeout = Binder.get(this.environment)
                .bind(SHUTDOWN_PHASE_TIMEOUT, Duration.class)
                .orElse(DEFAULT_SHUTDOWN_PHASE_TIMEOUT);
        registration.register(LIFECYCLE_BEAN_NAME, PipcLifecycle.class,
                () -> new PipcLifecycle(definitions, this.beanFactory, this.beanFactory.getBean(PipeFactory.class),
                        this.beanFactory.getBeanProvider(SslBundles.class).getIfAvailable(), registration.metrics(),
                        shutdownPhaseTimeout));
        registration.register(REGISTRY_BEAN_NAME, PipeRegistry.class, () -> registry(definitions));
    }

    private PipeRegistry registry(PipcDefinitions definitions) {
        Map<String, Pipe> pipes = new LinkedHashMap<>();
        for (PipeDefinition pipe : definitions.pipes()) {
            pipes.put(pipe.key(), this.beanFactory.getBean(pipe.beanName(), Pipe.class));
        }
        Map<String, PipeServer> servers = new LinkedHashMap<>();
        for (ServerDefinition server : definitions.servers()) {
            servers.put(server.key(), this.beanFactory.getBean(server.beanName(), PipeServer.class));
        }
        return new PipeRegistry(pipes, servers,
                (key) -> this.beanFactory.getBean(LIFECYCLE_BEAN_NAME, PipcLifecycle.class).inProcessPeer(key));
    }

    /** The registration of one context's beans, with what their suppliers share. */
    private static final class Registration {

        private final BeanDefinitionRegistry registry;

        private final ListableBeanFactory beans;

        /** One shared pipe per entry, whoever defined the bean, so that its endpoints share one reader. */
        private final Map<String, SharedPipe> sharedPipes = new ConcurrentHashMap<>();

        private final ServerTaskExecutors handlerExecutors;

        Registration(BeanDefinitionRegistry registry, ListableBeanFactory beans, ServerTaskExecutors handlerExecutors) {
            this.registry = registry;
            this.beans = beans;
            this.handlerExecutors = handlerExecutors;
        }

        void pipe(PipeDefinition pipe) {
            PipcProperties.PipeEntry entry = pipe.properties();
            String key = pipe.key();
            register(pipe.beanName(), SharedPipe.class, () -> {
                SharedPipe shared = new SharedPipe(key, pipe.transport());
                shared.setMetrics(metrics());
                return shared;
            });
            Supplier<SharedPipe> shared = () -> this.sharedPipes.computeIfAbsent(key,
                    (k) -> SharedPipe.of(this.beans.getBean(pipe.beanName(), Pipe.class)));
            Supplier<@Nullable Codec<?>> codec = codec(pipe.codec(), pipe.jsonType(), entry);
            String inbound = entry.getInboundChannel();
            if (inbound != null) {
                channel(inbound);
                if (entry.isGateway()) {
                    register(pipe.beanName() + "InboundGateway", PipeInboundGateway.class, () -> {
                        PipeInboundGateway gateway = new PipeInboundGateway(shared.get());
                        configure(gateway, inbound, codec.get(), entry);
                        gateway.setShutdownGracePeriod(entry.getShutdownGracePeriod());
                        return gateway;
                    });
                }
                else {
                    register(pipe.beanName() + "InboundAdapter", PipeInboundChannelAdapter.class, () -> {
                        PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(shared.get());
                        adapter.setOutputChannelName(inbound);
                        adapter.setCodec(codec.get());
                        adapter.setShutdownGracePeriod(entry.getShutdownGracePeriod());
                        return adapter;
                    });
                }
            }
            String outbound = entry.getOutboundChannel();
            if (outbound != null) {
                if (entry.isGateway()) {
                    outbound(pipe.beanName() + "OutboundGateway", outbound, PipeOutboundGateway.class, () -> {
                        PipeOutboundGateway gateway = new PipeOutboundGateway(shared.get());
                        gateway.setCodec(codec.get());
                        gateway.setReplyTimeout(entry.getReplyTimeout());
                        return gateway;
                    });
                }
                else {
                    outbound(pipe.beanName() + "OutboundAdapter", outbound, PipeOutboundChannelAdapter.class, () -> {
                        PipeOutboundChannelAdapter adapter = new PipeOutboundChannelAdapter(shared.get());
                        adapter.setCodec(codec.get());
                        return adapter;
                    });
                }
            }
        }

        void server(ServerDefinition server) {
            PipcProperties.ServerEntry entry = server.properties();
            register(server.beanName(), SharedPipeServer.class,
                    () -> new SharedPipeServer(server.key(), server.transport()));
            String inbound = entry.getInboundChannel();
            String outbound = entry.getOutboundChannel();
            if (inbound == null && outbound == null) {
                return;
            }
            String connectionsName = server.beanName() + "Connections";
            register(connectionsName, ServerConnections.class, () -> {
                ServerConnections connections = new ServerConnections(
                        this.beans.getBean(server.beanName(), PipeServer.class));
                connections.setShutdownGracePeriod(entry.getShutdownGracePeriod());
                connections.setHandlerThreads(entry.getHandlerThreads());
                String executor = entry.getExecutor();
                if (executor != null) {
                    connections.setTaskExecutor(this.beans.getBean(executor, Executor.class));
                }
                else {
                    connections.setTaskExecutorFactory(this.handlerExecutors.forServer(server.key()));
                }
                connections.setMetrics(metrics());
                return connections;
            });
            Supplier<ServerConnections> connections = () -> this.beans.getBean(connectionsName, ServerConnections.class);
            Supplier<@Nullable Codec<?>> codec = codec(server.codec(), server.jsonType(), entry);
            if (inbound != null) {
                channel(inbound);
                if (entry.isGateway()) {
                    register(server.beanName() + "InboundGateway", PipeInboundGateway.class, () -> {
                        PipeInboundGateway gateway = new PipeInboundGateway(connections.get());
                        configure(gateway, inbound, codec.get(), entry);
                        return gateway;
                    });
                }
                else {
                    register(server.beanName() + "InboundAdapter", PipeInboundChannelAdapter.class, () -> {
                        PipeInboundChannelAdapter adapter = new PipeInboundChannelAdapter(connections.get());
                        adapter.setOutputChannelName(inbound);
                        adapter.setCodec(codec.get());
                        return adapter;
                    });
                }
            }
            if (outbound != null) {
                outbound(server.beanName() + "OutboundAdapter", outbound, PipeOutboundChannelAdapter.class, () -> {
                    PipeOutboundChannelAdapter adapter = new PipeOutboundChannelAdapter(connections.get());
                    adapter.setCodec(codec.get());
                    return adapter;
                });
            }
        }

        <T> void register(String name, Class<T> type, Supplier<T> supplier) {
            if (!isDefined(name)) {
                this.registry.registerBeanDefinition(name, new RootBeanDefinition(type, supplier));
            }
        }

        private <H extends MessageHandler> void outbound(String handlerName, String channel, Class<H> type,
                Supplier<H> handler) {
            channel(channel);
            register(handlerName, type, handler);
            String endpointName = handlerName.replaceFirst("(Adapter|Gateway)$", "Endpoint");
            if (!isDefined(endpointName)) {
                this.registry.registerBeanDefinition(endpointName,
                        BeanDefinitionBuilder.genericBeanDefinition(ConsumerEndpointFactoryBean.class)
                                .addPropertyReference("handler", handlerName)
                                .addPropertyValue("inputChannelName", channel)
                                .getBeanDefinition());
            }
        }

        private void channel(String name) {
            if (!isDefined(name)) {
                this.registry.registerBeanDefinition(name, new RootBeanDefinition(DirectChannel.class));
            }
        }

        private boolean isDefined(String name) {
            return this.registry.containsBeanDefinition(name) || this.registry.isAlias(name);
        }

        PipeMetrics metrics() {
            return this.beans.getBeanProvider(PipeMetrics.class).getIfAvailable(() -> PipeMetrics.NONE);
        }

        private static void configure(PipeInboundGateway gateway, String requestChannel, @Nullable Codec<?> codec,
                PipcProperties.Entry entry) {
            gateway.setRequestChannelName(requestChannel);
            gateway.setCodec(codec);
            gateway.setReplyTimeout(entry.getReplyTimeout());
            gateway.setMaxInFlight(entry.getMaxInFlight());
        }

        private static Supplier<@Nullable Codec<?>> codec(CodecType type, @Nullable Class<?> jsonType,
                PipcProperties.Entry entry) {
            long maxMessageSize = entry.getMaxMessageSize().toBytes();
            Codec<?> codec = PayloadCodecs.create(type, jsonType, maxMessageSize);
            return () -> codec;
        }
    }
}
