package io.pipc.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports an {@link InvalidPipcPropertiesException} the way Boot reports configuration
 * problems: each problem on its own line, and what to do. First among the analyzers, as the
 * exception comes wrapped in Boot's binding failure, which Boot's own analyzer would report
 * as one opaque reason.
 */
final class InvalidPipcPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPipcPropertiesException>
        implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidPipcPropertiesException cause) {
        StringBuilder description = new StringBuilder("The pipc configuration cannot work:\n");
        for (String problem : cause.problems()) {
            description.append("\n    ").append(problem);
        }
        return new FailureAnalysis(description.toString(),
                "Update the pipc.* properties in your application's configuration.", cause);
    }
}
