package io.pipc.boot.autoconfigure;

import java.net.SocketAddress;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;

import org.jspecify.annotations.Nullable;

/**
 * How the auto-configuration opens the pipes and servers of {@code pipc.*}: the factory
 * methods of {@link Pipes}, one for one. The default delegates to them; define a bean of this
 * type to decorate what is opened, or to stand in for a transport in tests (as
 * {@code @AutoConfigurePipcTest} does).
 */
public interface PipeFactory {

    /**
     * @param options limits and timeouts for both ends
     * @return two connected in-process ends
     * @see Pipes#pair(PipeOptions)
     */
    PipePair pair(PipeOptions options);

    /**
     * @param name the rendezvous name
     * @param options limits, timeouts and the directory
     * @return the connected FIFO pipe
     * @see Pipes#named(String, PipeOptions)
     */
    Pipe named(String name, PipeOptions options);

    /**
     * @param host the other host
     * @param port the port both sides use
     * @param options limits, timeouts, secret or TLS
     * @return the connected TCP pipe
     * @see Pipes#remote(String, int, PipeOptions)
     */
    Pipe remote(String host, int port, PipeOptions options);

    /**
     * @param address a TCP or Unix socket address of a server
     * @param options limits, timeouts, secret or TLS
     * @return the connected pipe
     * @see Pipes#connect(SocketAddress, PipeOptions)
     */
    Pipe connect(SocketAddress address, PipeOptions options);

    /**
     * @param address a TCP or Unix socket address to listen on
     * @param options limits, timeouts, secret or TLS, the most clients at once
     * @return the listening server
     * @see Pipes#server(SocketAddress, PipeOptions)
     */
    PipeServer server(SocketAddress address, PipeOptions options);

    /**
     * A factory that stands in for a transport opens an in-process pair in its place, and
     * hands the pipe one end: {@link PipeRegistry#inProcessPeer(String)} gives the other.
     *
     * @param name the key of the {@code pipc.pipes} entry, which its options carry as
     *        {@code name}
     * @return the other end of the pair this factory opened for that pipe, or null when it
     *         opened the pipe's own transport (the default)
     */
    default @Nullable Pipe inProcessPeer(String name) {
        return null;
    }

    /**
     * @return the factory that opens everything with {@link Pipes}
     */
    static PipeFactory pipes() {
        return PipesFactory.INSTANCE;
    }

    /** {@link PipeFactory#pipes()}. */
    final class PipesFactory implements PipeFactory {

        static final PipesFactory INSTANCE = new PipesFactory();

        private PipesFactory() {
        }

        @Override
        public PipePair pair(PipeOptions options) {
            return Pipes.pair(options);
        }

        @Override
        public Pipe named(String name, PipeOptions options) {
            return Pipes.named(name, options);
        }

        @Override
        public Pipe remote(String host, int port, PipeOptions options) {
            return Pipes.remote(host, port, options);
        }

        @Override
        public Pipe connect(SocketAddress address, PipeOptions options) {
            return Pipes.connect(address, options);
        }

        @Override
        public PipeServer server(SocketAddress address, PipeOptions options) {
            return Pipes.server(address, options);
        }

        @Override
        public String toString() {
            return "PipeFactory.pipes()";
        }
    }
}
