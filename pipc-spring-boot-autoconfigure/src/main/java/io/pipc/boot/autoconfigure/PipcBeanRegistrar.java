package io.pipc.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.config.ConsumerEndpointFactoryBean;

/**
 * Registers the beans of each {@code pipc.pipes} and {@code pipc.servers} entry: the pipe or
 * server, the endpoints its channels ask for, the channels that are named but not declared
 * (as {@code DirectChannel}s, the way Spring Integration creates them), plus the
 * {@link PipeRegistry} and the {@link PipcLifecycle} that opens everything on start.
 *
 * <p>Bean names follow the entry's key: {@code ordersPipe}, {@code ordersPipeInboundAdapter},
 * {@code apiPipeServer}, {@code apiPipeServerConnections}, and so on. A bean the application
 * already defines under one of these names is left alone and used in its place.
 *
 * <p>Only the {@link PipcLayout} is read here. Every definition names its class or a factory
 * method of {@link PipcBeans} with the entry's key, and holds no value of the configuration,
 * so that AOT can write the definitions as code and the values are still those configured
 * when the application starts.
 */
final class PipcBeanRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

    static final String LIFECYCLE_BEAN_NAME = "pipcLifecycle";

    static final String REGISTRY_BEAN_NAME = "pipeRegistry";

    private @Nullable Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
        if (this.environment == null) {
            throw new IllegalStateException("the environment was not set");
        }
        PipcLayout layout = PipcLayout.read(this.environment);
        if (layout.pipes().isEmpty() && layout.servers().isEmpty()) {
            return;
        }
        Map<String, AbstractBeanDefinition> beans = new LinkedHashMap<>();
        layout.pipes().forEach((key, entry) -> beans.putAll(pipeBeans(key, entry)));
        layout.servers().forEach((key, entry) -> beans.putAll(serverBeans(key, entry)));
        beans.put(LIFECYCLE_BEAN_NAME, made("lifecycle", null));
        beans.put(REGISTRY_BEAN_NAME, made("registry", null));
        beans.forEach((name, definition) -> {
            if (!registry.containsBeanDefinition(name) && !registry.isAlias(name)) {
                registry.registerBeanDefinition(name, definition);
            }
        });
    }

    /**
     * @param key a pipe entry's key
     * @param entry its layout
     * @return the names of the beans it needs
     */
    static Set<String> pipeBeanNames(String key, PipcLayout.Entry entry) {
        return pipeBeans(key, entry).keySet();
    }

    /**
     * @param key a server entry's key
     * @param entry its layout
     * @return the names of the beans it needs
     */
    static Set<String> serverBeanNames(String key, PipcLayout.Entry entry) {
        return serverBeans(key, entry).keySet();
    }

    /**
     * @param key a server entry's key
     * @return the name of its {@code ServerConnections} bean
     */
    static String connectionsBeanName(String key) {
        return key + "PipeServerConnections";
    }

    private static Map<String, AbstractBeanDefinition> pipeBeans(String key, PipcLayout.Entry entry) {
        Map<String, AbstractBeanDefinition> beans = new LinkedHashMap<>();
        String pipe = key + "Pipe";
        beans.put(pipe, made("pipe", key));
        if (entry.inboundChannel() != null) {
            channel(beans, entry.inboundChannel());
            beans.put(pipe + (entry.isGateway() ? "InboundGateway" : "InboundAdapter"),
                    made(entry.isGateway() ? "pipeInboundGateway" : "pipeInboundAdapter", key));
        }
        if (entry.outboundChannel() != null) {
            outbound(beans, pipe + (entry.isGateway() ? "OutboundGateway" : "OutboundAdapter"),
                    made(entry.isGateway() ? "pipeOutboundGateway" : "pipeOutboundAdapter", key), entry.outboundChannel());
        }
        return beans;
    }

    private static Map<String, AbstractBeanDefinition> serverBeans(String key, PipcLayout.Entry entry) {
        Map<String, AbstractBeanDefinition> beans = new LinkedHashMap<>();
        String server = key + "PipeServer";
        beans.put(server, made("server", key));
        if (entry.inboundChannel() == null && entry.outboundChannel() == null) {
            return beans;
        }
        beans.put(connectionsBeanName(key), made("serverConnections", key));
        if (entry.inboundChannel() != null) {
            channel(beans, entry.inboundChannel());
            beans.put(server + (entry.isGateway() ? "InboundGateway" : "InboundAdapter"),
                    made(entry.isGateway() ? "serverInboundGateway" : "serverInboundAdapter", key));
        }
        if (entry.outboundChannel() != null) {
            outbound(beans, server + "OutboundAdapter", made("serverOutboundAdapter", key), entry.outboundChannel());
        }
        return beans;
    }

    /**
     * @param method the method of {@link PipcBeans} that makes the bean
     * @param key its only argument, the entry's key, or null for none
     */
    private static AbstractBeanDefinition made(String method, @Nullable String key) {
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setFactoryBeanName(PipcBeans.BEAN_NAME);
        definition.setFactoryMethodName(method);
        if (key != null) {
            definition.getConstructorArgumentValues().addIndexedArgumentValue(0, key);
        }
        return definition;
    }

    private static void outbound(Map<String, AbstractBeanDefinition> beans, String handlerName,
            AbstractBeanDefinition handler, String channel) {
        channel(beans, channel);
        beans.put(handlerName, handler);
        beans.put(handlerName.replaceFirst("(Adapter|Gateway)$", "Endpoint"),
                BeanDefinitionBuilder.genericBeanDefinition(ConsumerEndpointFactoryBean.class)
                        .addPropertyReference("handler", handlerName)
                        .addPropertyValue("inputChannelName", channel)
                        .getBeanDefinition());
    }

    private static void channel(Map<String, AbstractBeanDefinition> beans, String name) {
        beans.putIfAbsent(name, new RootBeanDefinition(DirectChannel.class));
    }
}
