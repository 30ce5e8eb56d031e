package io.pipc.boot.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.pipc.boot.autoconfigure.ConditionalOnPipcEntries;
import io.pipc.boot.metrics.MicrometerPipeMetrics;
import io.pipc.integration.PipeMetrics;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of pipc's Micrometer meters: messages and bytes in and out, open
 * connections and failures of every configured pipe and server. Only with Micrometer on the
 * classpath; meters are recorded in the application's {@code MeterRegistry}, when it has one.
 */
@AutoConfiguration
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnPipcEntries
public final class PipcMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PipeMetrics pipcMetrics(ObjectProvider<MeterRegistry> registry) {
        return new MicrometerPipeMetrics(registry::getIfUnique);
    }
}
