package io.pipc.boot.autoconfigure;

import io.pipc.Pipe;
import io.pipc.integration.PipcShutdown;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.endpoint.MessageProducerSupport;

/**
 * Auto-configuration for pipc: the pipes and servers of {@code pipc.*} as beans, flowing into
 * Spring Integration channels. Nothing is registered when {@code pipc.*} configures nothing
 * but, at most, {@code pipc.directory}.
 *
 * <p>Spring Integration is enabled here too (it is idempotent), so that the adapters and
 * {@code @ServiceActivator} methods work in an application without Boot's integration module.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration",
        "org.springframework.boot.integration.autoconfigure.IntegrationAutoConfiguration" })
@ConditionalOnClass({ Pipe.class, MessageProducerSupport.class })
@ConditionalOnPipcEntries
@EnableConfigurationProperties(PipcProperties.class)
@Import({ PipcBeanRegistrar.class, PipcAutoConfiguration.IntegrationConfiguration.class })
public final class PipcAutoConfiguration {

    @Bean
    static PipcBindHandlerAdvisor pipcBindHandlerAdvisor(ResourceLoader resourceLoader) {
        return new PipcBindHandlerAdvisor(resourceLoader.getClassLoader());
    }

    @Bean
    @ConditionalOnMissingBean
    PipeFactory pipcPipeFactory() {
        return PipeFactory.pipes();
    }

    @Bean(PipcBeans.BEAN_NAME)
    PipcBeans pipcBeans(PipcProperties properties, ListableBeanFactory beans, ResourceLoader resourceLoader,
            ConfigurableEnvironment environment) {
        return new PipcBeans(PipcDefinitions.resolve(properties, resourceLoader.getClassLoader()), beans, environment);
    }

    @Bean
    static PipcServerPorts pipcServerPorts(ConfigurableEnvironment environment) {
        return new PipcServerPorts(environment);
    }

    /**
     * Drains every server and pipe before any pipc endpoint stops, in a shutdown phase whose end
     * is the end of the last drain.
     */
    @Bean
    @ConditionalOnMissingBean
    PipcShutdown pipcShutdown() {
        return new PipcShutdown();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableIntegration
    static class IntegrationConfiguration {

    }
}
