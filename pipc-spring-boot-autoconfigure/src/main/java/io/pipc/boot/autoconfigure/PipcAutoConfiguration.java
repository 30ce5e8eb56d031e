package io.pipc.boot.autoconfigure;

import io.pipc.Pipe;
import io.pipc.integration.PipcShutdown;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.endpoint.MessageProducerSupport;

/**
 * Auto-configuration for pipc: the pipes and servers of {@code pipc.*} as beans, flowing into
 * Spring Integration channels. Nothing is registered when {@code pipc.pipes} and
 * {@code pipc.servers} are empty.
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
    @ConditionalOnMissingBean
    PipeFactory pipcPipeFactory() {
        return PipeFactory.pipes();
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
