package io.pipc.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code pipc.pipes} or {@code pipc.servers} has an entry, so that an application
 * that configures none gets no pipc bean at all.
 */
final class OnPipcEntriesCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        PipcProperties properties;
        try {
            properties = Binder.get(context.getEnvironment()).bind("pipc", PipcProperties.class)
                    .orElseGet(PipcProperties::new);
        }
        catch (RuntimeException ex) {
            // Something is configured; binding it again reports the problem where it belongs.
            return ConditionOutcome.match("pipc.* is configured (and does not bind)");
        }
        if (properties.getPipes().isEmpty() && properties.getServers().isEmpty()) {
            return ConditionOutcome.noMatch("no pipc.pipes or pipc.servers entries");
        }
        return ConditionOutcome.match(properties.getPipes().size() + " pipc.pipes and " + properties.getServers().size()
                + " pipc.servers entries");
    }
}
