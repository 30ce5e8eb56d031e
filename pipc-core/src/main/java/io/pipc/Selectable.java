package io.pipc;

/**
 * Something {@link Pipes#select} can wait on: a {@link Pipe} (ready when a read will not
 * block), a {@link PipeServer} (ready when an accept will not block), a {@link TypedPipe}.
 *
 * <p>Every transport reports readiness through one {@link Readiness} object, so one
 * {@code select} call can wait on any mix of them without polling. A custom implementation
 * creates a {@code Readiness} with its own condition and calls {@link Readiness#signal()}
 * whenever that condition may have become true.
 */
public interface Selectable {

    /**
     * @return the readiness of this selectable; the same object on every call
     */
    Readiness readiness();
}
