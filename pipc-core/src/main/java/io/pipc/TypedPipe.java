package io.pipc;

import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A view of a {@link Pipe} that carries values of {@code T} through a {@link Codec}: made by
 * {@link Pipe#typed(Codec)}. A codec failure throws {@link CodecException} naming the pipe,
 * and leaves the pipe usable.
 *
 * @param <T> the value type
 */
public final class TypedPipe<T> implements Selectable, Closeable {

    private final Pipe pipe;
    private final Codec<T> codec;
    /** A decode failure met by {@link #pending()} after it had values to return: thrown by the next call. */
    private final AtomicReference<CodecException> deferredFailure = new AtomicReference<>();

    TypedPipe(Pipe pipe, Codec<T> codec) {
        this.pipe = Objects.requireNonNull(pipe, "pipe");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Encodes and writes one value.
     *
     * @param value the value
     * @throws CodecException when the codec cannot encode it; nothing is written
     * @see Pipe#write(byte[])
     */
    public void write(T value) {
        byte[] message;
        try {
            message = codec.encode(value);
        } catch (RuntimeException e) {
            throw failure("encode a value of " + (value == null ? "null" : value.getClass().getName()), e);
        }
        pipe.write(message);
    }

    /**
     * Reads and decodes the next message, blocking until one arrives.
     *
     * @return the value
     * @throws CodecException when the message cannot be decoded; it is consumed
     * @see Pipe#read()
     */
    public T read() {
        throwDeferredFailure();
        return decode(pipe.read());
    }

    /**
     * Reads and decodes the next message, waiting at most {@code timeout}.
     *
     * @param timeout how long to wait
     * @return the value
     * @see Pipe#read(Duration)
     */
    public T read(Duration timeout) {
        throwDeferredFailure();
        return decode(pipe.read(timeout));
    }

    /**
     * Takes and decodes every message queued now, without blocking (see {@link Pipe#pending()}).
     * Messages that cannot be decoded are consumed, and do not cost their neighbours: every
     * value that decodes is returned, and when some message failed, the next call on this view
     * throws a {@link CodecException} for it (when the only messages failed, this call throws).
     *
     * @return the values, oldest first
     * @throws CodecException when every message taken failed to decode
     */
    public List<T> pending() {
        throwDeferredFailure();
        List<byte[]> messages = pipe.pending();
        List<T> values = new ArrayList<>(messages.size());
        CodecException firstFailure = null;
        int failures = 0;
        for (byte[] message : messages) {
            try {
                values.add(decode(message));
            } catch (CodecException e) {
                failures++;
                if (firstFailure == null) {
                    firstFailure = e;
                }
            }
        }
        if (firstFailure != null) {
            CodecException report = failures == 1 ? firstFailure
                    : new CodecException(failures + " of " + messages.size() + " pending messages could not be decoded; the first: "
                            + firstFailure.getMessage(), firstFailure);
            if (values.isEmpty()) {
                throw report;
            }
            deferredFailure.set(report);
        }
        return values;
    }

    /**
     * @return the pipe underneath
     */
    public Pipe pipe() {
        return pipe;
    }

    /**
     * @return the codec in use
     */
    public Codec<T> codec() {
        return codec;
    }

    @Override
    public Readiness readiness() {
        return pipe.readiness();
    }

    /** Closes the pipe underneath. */
    @Override
    public void close() {
        pipe.close();
    }

    private void throwDeferredFailure() {
        CodecException failure = deferredFailure.getAndSet(null);
        if (failure != null) {
            throw failure;
        }
    }

    private T decode(byte[] message) {
        try {
            return codec.decode(message);
        } catch (RuntimeException e) {
            throw failure("decode a message of " + message.length + " bytes", e);
        }
    }

    private CodecException failure(String what, RuntimeException cause) {
        return new CodecException("pipe '" + pipe.name() + "': codec " + codec + " could not " + what
                + ": " + cause.getMessage(), cause);
    }
}
