package io.pipc.boot.autoconfigure;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.integration.PairPipeServer;

/**
 * A test double of the transports for {@link PipeFactory}: named pipes and TCP rendezvous meet
 * in this JVM (the first to arrive waits for the second, as with FIFOs), servers are
 * {@link PairPipeServer}s, and {@code connect} reaches the server listening at that address.
 * It lets the auto-configuration be tested end to end before the FIFO, Unix and TCP
 * transports exist; the tests that use it must move to the real transports once they do.
 */
public final class PairPipeFactory implements PipeFactory {

    private final Map<String, CompletableFuture<Pipe>> rendezvous = new ConcurrentHashMap<>();

    private final Map<SocketAddress, PairPipeServer> servers = new ConcurrentHashMap<>();

    private final List<String> calls = new CopyOnWriteArrayList<>();

    private final Map<String, PipeOptions> options = new ConcurrentHashMap<>();

    private int nextPort = 47000;

    /**
     * @return what was asked of this factory, in order, e.g. "named orders", "server /127.0.0.1:7070"
     */
    public List<String> calls() {
        return this.calls;
    }

    /**
     * @param name the options' name: an entry's key (or an in-process pair's name)
     * @return the options this factory was given under that name
     */
    public PipeOptions options(String name) {
        PipeOptions given = this.options.get(name);
        if (given == null) {
            throw new IllegalArgumentException("no options named " + name + " (there are " + this.options.keySet() + ")");
        }
        return given;
    }

    /**
     * @param address where a server listens
     * @return the client's end of a new connection to it
     */
    public Pipe connectClient(SocketAddress address) {
        PairPipeServer server = this.servers.get(address);
        if (server == null) {
            throw new PipeClosedException("nothing listens on " + address + " (listening: " + this.servers.keySet() + ")");
        }
        return server.connect();
    }

    @Override
    public PipePair pair(PipeOptions options) {
        record(options);
        this.calls.add("pair " + options.name());
        return Pipes.pair(options);
    }

    @Override
    public Pipe named(String name, PipeOptions options) {
        record(options);
        this.calls.add("named " + name);
        return meet("fifo:" + name, options);
    }

    @Override
    public Pipe remote(String host, int port, PipeOptions options) {
        record(options);
        this.calls.add("remote " + host + ":" + port);
        return meet("tcp:" + host + ":" + port, options);
    }

    @Override
    public Pipe connect(SocketAddress address, PipeOptions options) {
        record(options);
        this.calls.add("connect " + address);
        return connectClient(address);
    }

    @Override
    public synchronized PipeServer server(SocketAddress address, PipeOptions options) {
        record(options);
        this.calls.add("server " + address);
        SocketAddress bound = address;
        if (address instanceof InetSocketAddress inet && inet.getPort() == 0) {
            bound = new InetSocketAddress(inet.getAddress(), this.nextPort++);
        }
        if (this.servers.containsKey(bound)) {
            throw new PipeClosedException("address already in use: " + bound);
        }
        PairPipeServer server = new PairPipeServer(options, bound);
        this.servers.put(bound, server);
        return server;
    }

    private void record(PipeOptions given) {
        if (given.name() != null) {
            this.options.put(given.name(), given);
        }
    }

    /** The first to arrive waits for the second; both get connected ends. */
    private Pipe meet(String key, PipeOptions options) {
        CompletableFuture<Pipe> waiting = new CompletableFuture<>();
        CompletableFuture<Pipe> first = this.rendezvous.putIfAbsent(key, waiting);
        if (first != null) {
            this.rendezvous.remove(key);
            PipePair pair = Pipes.pair(options);
            first.complete(pair.left());
            return pair.right();
        }
        try {
            return waiting.get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException ex) {
            this.rendezvous.remove(key, waiting);
            throw new PipeTimeoutException("no peer arrived at " + key + " within " + options.connectTimeout());
        }
        catch (InterruptedException | ExecutionException ex) {
            throw new PipeClosedException("rendezvous " + key + " failed: " + ex);
        }
    }
}
