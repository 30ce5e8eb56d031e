package io.pipc.boot.autoconfigure.actuate;

import io.pipc.boot.actuate.PipcSecretsSanitizingFunction;
import io.pipc.boot.autoconfigure.ConditionalOnPipcEntries;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@link SanitizingFunction} that masks pipc's secrets in the
 * actuator's {@code configprops} and {@code env} endpoints. Only with {@code spring-boot-actuator}
 * on the classpath; the endpoints apply every such bean.
 */
@AutoConfiguration
@ConditionalOnClass(SanitizingFunction.class)
@ConditionalOnPipcEntries
public final class PipcSanitizingAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "pipcSecretsSanitizingFunction")
    SanitizingFunction pipcSecretsSanitizingFunction() {
        return new PipcSecretsSanitizingFunction();
    }
}
