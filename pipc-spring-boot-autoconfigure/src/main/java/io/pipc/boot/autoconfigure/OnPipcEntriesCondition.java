package io.pipc.boot.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code pipc.*} configures anything but {@code pipc.directory}: an entry of
 * {@code pipc.pipes} or {@code pipc.servers}, or a key that is no pipc property, which the
 * binding then reports. An application that configures nothing gets no pipc bean at all.
 *
 * <p>It only looks at the names of the properties, and binds nothing.
 */
final class OnPipcEntriesCondition extends SpringBootCondition {

    private static final ConfigurationPropertyName DIRECTORY = ConfigurationPropertyName.of("pipc.directory");

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Set<ConfigurationPropertyName> configured = new LinkedHashSet<>();
        PipcLayout.eachName(context.getEnvironment(), (name) -> {
            if (!name.equals(DIRECTORY)) {
                configured.add(name);
            }
        });
        if (configured.isEmpty()) {
            return ConditionOutcome.noMatch("no pipc.pipes or pipc.servers entries");
        }
        return ConditionOutcome.match(configured.iterator().next() + " is configured");
    }
}
