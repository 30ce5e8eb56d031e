package io.pipc.boot.autoconfigure.health;

import java.util.LinkedHashMap;
import java.util.Map;

import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import io.pipc.boot.autoconfigure.PipeRegistry;
import io.pipc.boot.health.PipeHealthIndicator;
import io.pipc.boot.health.PipeServerHealthIndicator;
import io.pipc.integration.ServerConnections;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code pipc} health contributor: one entry per pipe under
 * {@code pipes} and one per server under {@code servers}. Only with {@code spring-boot-health}
 * on the classpath; off with {@code management.health.pipc.enabled=false}.
 */
@AutoConfiguration(after = PipcAutoConfiguration.class)
@ConditionalOnClass({ HealthContributor.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(PipeRegistry.class)
public final class PipcHealthContributorAutoConfiguration {

    // On the method, not the class: its condition class must not load when spring-boot-health is absent.
    @Bean
    @ConditionalOnEnabledHealthIndicator("pipc")
    @ConditionalOnMissingBean(name = "pipcHealthContributor")
    HealthContributor pipcHealthContributor(PipeRegistry registry, ObjectProvider<ServerConnections> connections) {
        Map<String, ServerConnections> connectionsByServer = new LinkedHashMap<>();
        connections.orderedStream().forEach((each) -> connectionsByServer.put(each.getServer().name(), each));
        Map<String, HealthContributor> contributors = new LinkedHashMap<>();
        if (!registry.getPipes().isEmpty()) {
            contributors.put("pipes", CompositeHealthContributor.fromMap(registry.getPipes(), PipeHealthIndicator::new));
        }
        if (!registry.getServers().isEmpty()) {
            Map<String, HealthContributor> servers = new LinkedHashMap<>();
            registry.getServers().forEach((name, server) -> servers.put(name,
                    new PipeServerHealthIndicator(server, connectionsByServer.get(name))));
            contributors.put("servers", CompositeHealthContributor.fromMap(servers));
        }
        return CompositeHealthContributor.fromMap(contributors);
    }
}
