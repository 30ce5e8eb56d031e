package io.pipc.wire;

import java.util.Objects;

import io.pipc.PipeOptions;

/**
 * The wire that {@link PipeOptions#wire()} names, as a factory for the three parts a stream
 * transport drives: per connection a {@link Handshake} and a {@link FrameDecoder}, and one
 * shared {@link FrameEncoder}.
 *
 * <p>A transport opens a stream, sends what {@link Handshake#produce} gives and feeds what it
 * receives to {@link Handshake#consume} until {@link Handshake#isComplete()}; from then on it
 * feeds received bytes (starting with any the handshake left over) to the decoder, and writes
 * frames with the encoder.
 */
public sealed interface WireFormat permits NativeWire, PythonWire {

    /**
     * @param options the pipe's options: its wire, secret and maximum message size
     * @param pipeName the pipe's name, quoted in every error message
     * @return the wire those options name
     */
    static WireFormat of(PipeOptions options, String pipeName) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(pipeName, "pipeName");
        return switch (options.wire()) {
            case NATIVE -> new NativeWire(options, pipeName);
            case PYTHON -> new PythonWire(options, pipeName);
        };
    }

    /**
     * @param role whether this end accepted the connection or made it
     * @param connection the connection it runs on: its ends, and what was exchanged on it before
     *        (the native wire binds that into both proofs; the Python wire cannot, CPython's
     *        protocol has no room for it)
     * @return a new handshake for one connection, proving the options' secret when one is set
     */
    Handshake newHandshake(Role role, ConnectionBinding connection);

    /**
     * @return a new decoder for one connection, refusing messages over the options' maximum size
     */
    FrameDecoder newDecoder();

    /**
     * @return this wire's encoder, stateless and safe to share between connections and threads
     */
    FrameEncoder encoder();
}
