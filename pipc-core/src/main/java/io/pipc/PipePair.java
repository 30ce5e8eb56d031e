package io.pipc;

import java.io.Closeable;
import java.util.Objects;

/**
 * The two connected ends made by {@link Pipes#pair()}. What {@code left} writes, {@code right}
 * reads, and the other way round.
 *
 * @param left one end
 * @param right the other end
 */
public record PipePair(Pipe left, Pipe right) implements Closeable {

    /**
     * @param left one end
     * @param right the other end
     */
    public PipePair {
        Objects.requireNonNull(left, "left");
        Objects.requireNonNull(right, "right");
    }

    /** Closes both ends. */
    @Override
    public void close() {
        try {
            left.close();
        } finally {
            right.close();
        }
    }
}
