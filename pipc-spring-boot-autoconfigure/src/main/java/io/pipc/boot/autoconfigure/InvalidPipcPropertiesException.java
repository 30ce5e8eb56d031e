package io.pipc.boot.autoconfigure;

import java.util.List;

/**
 * The {@code pipc.*} configuration cannot work: thrown while the application starts, before
 * any pipe opens. Each problem names the property and the value, for example
 * {@code pipc.pipes.orders.port must be between 1 and 65535 (was 0)}.
 */
public final class InvalidPipcPropertiesException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /**
     * @param problems one sentence per problem, each naming the property and the value
     */
    public InvalidPipcPropertiesException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems in the pipc configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * @return one sentence per problem, in the order of the configuration
     */
    public List<String> problems() {
        return this.problems;
    }
}
