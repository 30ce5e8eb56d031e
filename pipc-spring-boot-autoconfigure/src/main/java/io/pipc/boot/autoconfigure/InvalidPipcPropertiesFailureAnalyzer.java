package io.pipc.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidPipcPropertiesException} the way Boot reports configuration
 * problems: each problem on its own line, and what to do.
 */
final class InvalidPipcPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPipcPropertiesException> {

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
