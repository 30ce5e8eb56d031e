package io.pipc.integration;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Objects;

import io.pipc.MessageSink;
import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.Readiness;
import io.pipc.Transport;

import org.jspecify.annotations.Nullable;

/**
 * A pipe server that application code shares with pipc's Spring Integration endpoints: the
 * {@code PipeServer} bean users inject. Once {@link ServerConnections} accepts its clients,
 * {@link #accept()} throws an {@link IllegalStateException} naming it, because a client taken
 * by application code would never reach the endpoints; {@link #address()} and the rest work.
 *
 * <p>A shared server may be made before the server it stands for listens: the Spring Boot
 * auto-configuration makes the bean when the context is built and {@linkplain #attach attaches}
 * the listening server when the context starts.
 */
public final class SharedPipeServer implements PipeServer {

    private final String name;

    private final Transport transport;

    private volatile @Nullable PipeServer delegate;

    private volatile @Nullable String acceptOwner;

    private volatile @Nullable MessageSink messageSink;

    private volatile SharedPipe.State state = SharedPipe.State.NEW;

    private volatile @Nullable String stateReason;

    /**
     * A shared server whose server is attached later, when it listens.
     *
     * @param name the server's name, for logs, errors, headers and metrics
     * @param transport {@link Transport#TCP} or {@link Transport#UNIX}
     */
    public SharedPipeServer(String name, Transport transport) {
        this.name = Objects.requireNonNull(name, "name");
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /**
     * A shared server for a server that already listens, named after its address.
     *
     * @param server the server
     * @return a shared server attached to it; a shared server is returned as it is
     */
    public static SharedPipeServer of(PipeServer server) {
        Objects.requireNonNull(server, "server");
        if (server instanceof SharedPipeServer shared) {
            return shared;
        }
        SocketAddress address = server.address();
        SharedPipeServer shared = new SharedPipeServer(nameOf(address), transportOf(address));
        shared.attach(server);
        return shared;
    }

    /**
     * Attaches the listening server this shared server stands for.
     *
     * @param server the listening server
     * @throws IllegalStateException when a server is already attached
     */
    public synchronized void attach(PipeServer server) {
        Objects.requireNonNull(server, "server");
        if (this.delegate != null) {
            throw new IllegalStateException("server '" + this.name + "' is already attached to " + this.delegate);
        }
        this.delegate = server;
        this.state = SharedPipe.State.OPEN;
    }

    /**
     * Where the server's clients' messages go when the server is opened with it as
     * {@link io.pipc.PipeOptions.Builder#messageSink its sink}: the dispatcher of the
     * {@link ServerConnections} that accept its clients, which then take each client's messages
     * straight from the event loop that decoded them. The starter opens its servers so; open a
     * server you {@linkplain #attach attach} yourself with it too (a server opened without it
     * works, with a reading thread per client).
     *
     * @return the sink, or null while no {@code ServerConnections} was made for this server
     */
    public @Nullable MessageSink messageSink() {
        return this.messageSink;
    }

    /**
     * @param sink the dispatcher of the connections made for this server; the first one made stays
     */
    synchronized void dispatchTo(MessageSink sink) {
        if (this.messageSink == null) {
            this.messageSink = sink;
        }
    }

    /**
     * Records that the server could not listen, for health reports.
     *
     * @param cause why
     */
    public void failedToListen(Throwable cause) {
        this.state = SharedPipe.State.FAILED;
        this.stateReason = String.valueOf(cause.getMessage());
    }

    /**
     * @return the server's name
     */
    public String name() {
        return this.name;
    }

    /**
     * @return the server's transport
     */
    public Transport transport() {
        return this.transport;
    }

    /**
     * @return whether a listening server is attached
     */
    public boolean isAttached() {
        return this.delegate != null;
    }

    /**
     * @return the state of this server, for health reports: open while it listens
     */
    public SharedPipe.State state() {
        PipeServer server = this.delegate;
        if (server != null && !server.isOpen() && this.state == SharedPipe.State.OPEN) {
            return SharedPipe.State.CLOSED;
        }
        return this.state;
    }

    /**
     * @return why the server failed, when it did
     */
    public @Nullable String stateReason() {
        return this.stateReason;
    }

    @Override
    public Pipe accept() {
        checkAcceptable();
        return open().accept();
    }

    @Override
    public Pipe accept(Duration timeout) {
        checkAcceptable();
        return open().accept(timeout);
    }

    @Override
    public SocketAddress address() {
        return open().address();
    }

    @Override
    public boolean isOpen() {
        PipeServer server = this.delegate;
        return server != null && server.isOpen();
    }

    @Override
    public void stopListening() {
        PipeServer server = this.delegate;
        if (server != null) {
            server.stopListening();
        }
    }

    @Override
    public void close() {
        PipeServer server = this.delegate;
        if (server != null) {
            server.close();
        }
    }

    @Override
    public Readiness readiness() {
        return open().readiness();
    }

    /**
     * @return the listening server's count, or 0 before it listens
     */
    @Override
    public long refusedConnections() {
        PipeServer server = this.delegate;
        return (server != null) ? server.refusedConnections() : 0;
    }

    /**
     * @return the listening server's count, or 0 before it listens
     */
    @Override
    public long authenticationFailures() {
        PipeServer server = this.delegate;
        return (server != null) ? server.authenticationFailures() : 0;
    }

    /**
     * @return the listening server's count, or 0 before it listens
     */
    @Override
    public long refusedOverLimits() {
        PipeServer server = this.delegate;
        return (server != null) ? server.refusedOverLimits() : 0;
    }

    /**
     * @return the listening server's bytes held for its clients, or 0 before it listens
     */
    @Override
    public long bufferedBytes() {
        PipeServer server = this.delegate;
        return (server != null) ? server.bufferedBytes() : 0;
    }

    @Override
    public String toString() {
        return "SharedPipeServer[" + this.name + ", " + this.transport + ", " + state() + "]";
    }

    /**
     * Makes {@code owner} the only acceptor of this server.
     *
     * @param owner names the accepting component, for errors
     * @throws IllegalStateException when another component accepts already
     */
    synchronized void claimAccepting(String owner) {
        if (this.acceptOwner != null && !this.acceptOwner.equals(owner)) {
            throw new IllegalStateException("server '" + this.name + "' is already accepted by '" + this.acceptOwner
                    + "'; '" + owner + "' cannot accept its clients too");
        }
        this.acceptOwner = owner;
    }

    /**
     * @return the listening server, for the component that accepts
     * @throws IllegalStateException when none is attached yet
     */
    PipeServer open() {
        PipeServer server = this.delegate;
        if (server == null) {
            throw new IllegalStateException("server '" + this.name + "' is not listening"
                    + ((this.state == SharedPipe.State.FAILED) ? ": it failed to listen (" + this.stateReason + ")"
                            : " yet: it listens when the application context starts"));
        }
        return server;
    }

    private void checkAcceptable() {
        String owner = this.acceptOwner;
        if (owner != null) {
            throw new IllegalStateException("server '" + this.name + "' is accepted by '" + owner
                    + "': application code cannot accept its clients too (use the " + PipcHeaders.CONNECTION_ID
                    + " header to reach a client, or remove the server's inbound-channel to accept yourself)");
        }
    }

    private static String nameOf(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return "tcp-" + inet.getPort();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix-" + unix.getPath().getFileName();
        }
        return String.valueOf(address);
    }

    private static Transport transportOf(SocketAddress address) {
        return (address instanceof UnixDomainSocketAddress) ? Transport.UNIX : Transport.TCP;
    }
}
