package io.pipc.boot.autoconfigure;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.pipc.Pipe;
import io.pipc.PipeServer;

/**
 * Every pipe and server of {@code pipc.*}, by the key of its entry: the same objects as the
 * {@code <key>Pipe} and {@code <key>PipeServer} beans (a bean of the application's own that
 * replaced one is what is found here).
 *
 * <p>An in-process pipe whose name no other entry shares gets one end of a pair; the other end
 * is {@link #inProcessPeer(String)}, for application code and tests to talk to it. So is every
 * pipe of a test with {@code @AutoConfigurePipcTest}, which opens them all in-process.
 */
public final class PipeRegistry {

    private final Map<String, Pipe> pipes;

    private final Map<String, PipeServer> servers;

    private final Function<String, Pipe> inProcessPeers;

    PipeRegistry(Map<String, Pipe> pipes, Map<String, PipeServer> servers, Function<String, Pipe> inProcessPeers) {
        this.pipes = Collections.unmodifiableMap(new LinkedHashMap<>(pipes));
        this.servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
        this.inProcessPeers = Objects.requireNonNull(inProcessPeers, "inProcessPeers");
    }

    /**
     * @return the pipes by key, in configuration order
     */
    public Map<String, Pipe> getPipes() {
        return this.pipes;
    }

    /**
     * @return the servers by key, in configuration order
     */
    public Map<String, PipeServer> getServers() {
        return this.servers;
    }

    /**
     * @param name the key of a {@code pipc.pipes} entry
     * @return its pipe
     * @throws IllegalArgumentException when there is no such entry, naming those there are
     */
    public Pipe getPipe(String name) {
        Pipe pipe = this.pipes.get(name);
        if (pipe == null) {
            throw new IllegalArgumentException("no pipe '" + name + "' in pipc.pipes (there are " + this.pipes.keySet()
                    + ")");
        }
        return pipe;
    }

    /**
     * @param name the key of a {@code pipc.servers} entry
     * @return its server
     * @throws IllegalArgumentException when there is no such entry, naming those there are
     */
    public PipeServer getServer(String name) {
        PipeServer server = this.servers.get(name);
        if (server == null) {
            throw new IllegalArgumentException("no server '" + name + "' in pipc.servers (there are "
                    + this.servers.keySet() + ")");
        }
        return server;
    }

    /**
     * @param name the key of a {@code tcp} entry of {@code pipc.servers}
     * @return the port it listens on: the one picked for {@code port: 0}, also in the property
     *         {@code local.pipc.server.<name>.port}
     * @throws IllegalArgumentException when there is no such entry, or it listens on a Unix socket
     * @throws IllegalStateException when it does not listen yet (it listens when the context starts)
     */
    public int getServerPort(String name) {
        PipeServer server = getServer(name);
        if (!(server.address() instanceof InetSocketAddress address)) {
            throw new IllegalArgumentException("server '" + name + "' has no port: it listens on " + server.address());
        }
        return address.getPort();
    }

    /**
     * @param name the key of an in-process pipe entry that shares its name with no other entry,
     *        or of any pipe in a test with {@code @AutoConfigurePipcTest}
     * @return the other end of its pair: what it writes, the pipe reads
     * @throws IllegalArgumentException when the entry is not such a pipe, or is not open yet
     */
    public Pipe inProcessPeer(String name) {
        getPipe(name);
        return this.inProcessPeers.apply(name);
    }
}
