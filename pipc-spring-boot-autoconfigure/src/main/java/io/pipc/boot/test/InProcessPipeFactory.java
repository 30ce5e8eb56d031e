package io.pipc.boot.test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.boot.autoconfigure.PipeFactory;

import org.jspecify.annotations.Nullable;

/**
 * Stands in for the transports of pipes: {@link #named}, {@link #remote} and {@link #connect}
 * each open an in-process pair, give the pipe one end and keep the other for the test
 * ({@link #inProcessPeer(String)}, which {@code PipeRegistry.inProcessPeer} asks). Servers
 * are opened by the delegate, a TCP server on a free port of its host. In-process pairs of
 * the configuration stay as they are.
 */
public final class InProcessPipeFactory implements PipeFactory, AutoCloseable {

    private final PipeFactory delegate;

    private final Map<String, Pipe> peers = new ConcurrentHashMap<>();

    /**
     * @param delegate opens the in-process pairs and the servers
     */
    public InProcessPipeFactory(PipeFactory delegate) {
        this.delegate = delegate;
    }

    @Override
    public PipePair pair(PipeOptions options) {
        return this.delegate.pair(options);
    }

    @Override
    public Pipe named(String name, PipeOptions options) {
        return standIn(options, name);
    }

    @Override
    public Pipe remote(String host, int port, PipeOptions options) {
        return standIn(options, host + ":" + port);
    }

    @Override
    public Pipe connect(SocketAddress address, PipeOptions options) {
        return standIn(options, String.valueOf(address));
    }

    @Override
    public PipeServer server(SocketAddress address, PipeOptions options) {
        SocketAddress local = (address instanceof InetSocketAddress inet)
                ? new InetSocketAddress(inet.getAddress(), 0) : address;
        return this.delegate.server(local, options);
    }

    @Override
    public @Nullable Pipe inProcessPeer(String name) {
        return this.peers.get(name);
    }

    /**
     * Closes the test's ends, which the pipes then see as their peer leaving.
     */
    @Override
    public void close() {
        List<Pipe> closing = new ArrayList<>(this.peers.values());
        this.peers.clear();
        closing.forEach(Pipe::close);
    }

    /**
     * @param options the pipe's options, whose name is its entry's key
     * @param where what the pipe would have opened, when the options carry no name
     */
    private Pipe standIn(PipeOptions options, String where) {
        String name = (options.name() != null) ? options.name() : where;
        // An in-process pair keeps its queue: a socket pipe's message sink is not for it.
        PipePair pair = this.delegate.pair(options.toBuilder().messageSink(null).build());
        Pipe previous = this.peers.put(name, pair.right());
        if (previous != null) {
            previous.close();
        }
        return pair.left();
    }

    @Override
    public String toString() {
        return "InProcessPipeFactory(in place of the pipes' transports; servers by " + this.delegate + ")";
    }
}
