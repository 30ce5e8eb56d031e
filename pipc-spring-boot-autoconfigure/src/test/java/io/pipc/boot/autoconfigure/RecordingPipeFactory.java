package io.pipc.boot.autoconfigure;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;

import static org.awaitility.Awaitility.await;

/**
 * {@link PipeFactory#pipes()}, the real transports, noting what it was asked and with which
 * options: the decorating use of the {@code PipeFactory} seam.
 */
final class RecordingPipeFactory implements PipeFactory {

    private final PipeFactory pipes = PipeFactory.pipes();

    private final List<String> calls = new CopyOnWriteArrayList<>();

    private final Map<String, PipeOptions> options = new ConcurrentHashMap<>();

    /**
     * @return what was asked, in order, e.g. "named orders", "server /127.0.0.1:0"
     */
    List<String> calls() {
        return this.calls;
    }

    /**
     * @param name an entry's key (or an in-process pair's name)
     * @return the options given under that name
     */
    PipeOptions options(String name) {
        // A pipe that reconnects opens in the background: the start may end before it is asked for.
        await("options named " + name + " (there are " + this.options.keySet() + ")").atMost(Duration.ofSeconds(10))
                .until(() -> this.options.containsKey(name));
        return this.options.get(name);
    }

    @Override
    public PipePair pair(PipeOptions options) {
        record("pair " + options.name(), options);
        return this.pipes.pair(options);
    }

    @Override
    public Pipe named(String name, PipeOptions options) {
        record("named " + name, options);
        return this.pipes.named(name, options);
    }

    @Override
    public Pipe remote(String host, int port, PipeOptions options) {
        record("remote " + host + ":" + port, options);
        return this.pipes.remote(host, port, options);
    }

    @Override
    public Pipe connect(SocketAddress address, PipeOptions options) {
        record("connect " + address, options);
        return this.pipes.connect(address, options);
    }

    @Override
    public PipeServer server(SocketAddress address, PipeOptions options) {
        record("server " + address, options);
        return this.pipes.server(address, options);
    }

    private void record(String call, PipeOptions given) {
        this.calls.add(call);
        if (given.name() != null) {
            this.options.put(given.name(), given);
        }
    }
}
