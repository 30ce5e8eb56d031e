package io.pipc.boot.autoconfigure.app;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.PipeFactory;
import io.pipc.integration.PairPipeServer;

/**
 * A {@link PipeFactory} whose servers are {@link PairPipeServer}s (port 0 gets a made-up port)
 * and whose clients reach them by address: a test double of the TCP and Unix transports.
 */
final class ServerDouble implements PipeFactory {

    private static final AtomicInteger PORTS = new AtomicInteger(48000);

    private final Map<SocketAddress, PairPipeServer> servers = new ConcurrentHashMap<>();

    Pipe connect(SocketAddress address) {
        return this.servers.get(address).connect();
    }

    @Override
    public PipePair pair(PipeOptions options) {
        return Pipes.pair(options);
    }

    @Override
    public Pipe named(String name, PipeOptions options) {
        throw new UnsupportedOperationException("no FIFOs in this double");
    }

    @Override
    public Pipe remote(String host, int port, PipeOptions options) {
        throw new UnsupportedOperationException("no TCP rendezvous in this double");
    }

    @Override
    public Pipe connect(SocketAddress address, PipeOptions options) {
        return connect(address);
    }

    @Override
    public PipeServer server(SocketAddress address, PipeOptions options) {
        SocketAddress bound = (address instanceof InetSocketAddress inet && inet.getPort() == 0)
                ? new InetSocketAddress(inet.getAddress(), PORTS.incrementAndGet()) : address;
        PairPipeServer server = new PairPipeServer(options, bound);
        this.servers.put(bound, server);
        return server;
    }
}
