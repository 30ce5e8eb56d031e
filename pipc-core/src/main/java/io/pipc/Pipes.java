package io.pipc;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import io.pipc.process.ParentPipe;
import io.pipc.transport.AbstractPipe;
import io.pipc.transport.fifo.NamedPipes;
import io.pipc.transport.inprocess.InProcessPipe;
import io.pipc.transport.tcp.TcpTransport;
import io.pipc.transport.unix.UnixTransport;

/**
 * Makes pipes and servers, and waits on many of them at once.
 *
 * <pre>{@code
 * PipePair pair = Pipes.pair();             // two threads
 * Pipe jobs = Pipes.named("jobs");          // two processes, both call this
 * Pipe link = Pipes.remote("peer-host", 7001); // two hosts, both call this
 * PipeServer server = Pipes.server(new InetSocketAddress(7070));
 * List<Selectable> ready = Pipes.select(List.of(jobs, link, server), Duration.ofSeconds(1));
 * }</pre>
 */
public final class Pipes {

    private Pipes() {
    }

    /**
     * @return two connected in-process ends, with default options
     * @see #pair(PipeOptions)
     */
    public static PipePair pair() {
        return pair(PipeOptions.defaults());
    }

    /**
     * Two connected ends in this JVM: what one writes, the other reads. Each end has its own
     * bounded inbound queue; a full queue blocks the writer. After a {@link Pipe#disconnect},
     * the next write from either end reconnects the pair.
     *
     * @param options limits and timeouts for both ends
     * @return the two ends
     */
    public static PipePair pair(PipeOptions options) {
        AbstractPipe.refuseMessageSink(options, "in-process pipes");
        return InProcessPipe.pair(options);
    }

    /**
     * @param name the rendezvous name both processes use
     * @return the connected pipe
     * @see #named(String, PipeOptions)
     */
    public static Pipe named(String name) {
        return named(name, PipeOptions.defaults());
    }

    /**
     * A named pipe between two processes of this user on this host: both call this with the
     * same name; whichever comes first creates the FIFOs in the private directory, the other
     * opens them, and both return connected ends once the peer has arrived.
     *
     * @param name 1 to 100 characters of {@code [A-Za-z0-9._-]}
     * @param options limits, timeouts and the directory
     * @return the connected pipe
     * @throws PipeTimeoutException when no peer arrived within {@link PipeOptions#connectTimeout()}
     */
    public static Pipe named(String name, PipeOptions options) {
        AbstractPipe.refuseMessageSink(options, "named pipes (FIFOs)");
        return NamedPipes.open(name, options);
    }

    /**
     * @param host the other host
     * @param port the port both sides use
     * @return the connected pipe
     * @see #remote(String, int, PipeOptions)
     */
    public static Pipe remote(String host, int port) {
        return remote(host, port, PipeOptions.defaults());
    }

    /**
     * A TCP pipe between two hosts: both call this with the other's address and the same
     * port; whichever comes first listens, the other connects, and both get connected ends,
     * even when they start at the same instant. Each side listens on
     * {@link PipeOptions#localAddress()} (by default loopback for a loopback peer, else every
     * interface, which needs a secret or TLS) and connects from it.
     *
     * <p>With a secret, a third party that connects without knowing it is refused and the
     * rendezvous goes on waiting for the real peer. With TLS, each side needs a certificate the
     * other trusts (either may end up accepting, so a TLS rendezvous is always mutual), and the
     * connecting side checks the certificate against {@code host} unless
     * {@link PipeOptions#tlsHostnameVerification()} is off. Not available on the Python wire.
     *
     * @param host the other host
     * @param port the port both sides use, 1 to 65535
     * @param options limits, timeouts, secret or TLS, local address
     * @return the connected pipe
     * @throws PipeTimeoutException when no peer paired within {@link PipeOptions#connectTimeout()};
     *         nothing is left listening
     * @throws IllegalArgumentException for a bad port, a blank host, or {@code wire=PYTHON}
     * @throws PipeException when the host cannot be resolved, or this side may not or cannot
     *         listen where it should
     */
    public static Pipe remote(String host, int port, PipeOptions options) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(options, "options");
        return TcpTransport.remote(host, port, options);
    }

    /**
     * @param address the server's address
     * @return the connected pipe
     * @see #connect(SocketAddress, PipeOptions)
     */
    public static Pipe connect(SocketAddress address) {
        return connect(address, PipeOptions.defaults());
    }

    /**
     * Connects to a {@link PipeServer}.
     *
     * @param address an {@code InetSocketAddress} (TCP) or a {@code UnixDomainSocketAddress}
     * @param options limits, timeouts, secret or TLS
     * @return the connected, authenticated pipe
     */
    public static Pipe connect(SocketAddress address, PipeOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (address instanceof InetSocketAddress inet) {
            return TcpTransport.connect(inet, options);
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return UnixTransport.connect(unix, options);
        }
        throw new IllegalArgumentException("cannot connect to a " + address.getClass().getName()
                + ": pass an InetSocketAddress (TCP) or a UnixDomainSocketAddress");
    }

    /**
     * @param address where to listen
     * @return the listening server
     * @see #server(SocketAddress, PipeOptions)
     */
    public static PipeServer server(SocketAddress address) {
        return server(address, PipeOptions.defaults());
    }

    /**
     * A server that hands out one pipe per client.
     *
     * @param address an {@code InetSocketAddress} (TCP; port 0 picks a free port) or a
     *        {@code UnixDomainSocketAddress}
     * @param options limits, timeouts, secret or TLS, the most clients at once
     * @return the listening server
     */
    public static PipeServer server(SocketAddress address, PipeOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (address instanceof InetSocketAddress inet) {
            return TcpTransport.server(inet, options);
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return UnixTransport.server(unix, options);
        }
        throw new IllegalArgumentException("cannot serve on a " + address.getClass().getName()
                + ": pass an InetSocketAddress (TCP) or a UnixDomainSocketAddress");
    }

    /**
     * @return the pipe to the parent, with default options
     * @see #parent(PipeOptions)
     */
    public static Pipe parent() {
        return parent(PipeOptions.defaults());
    }

    /**
     * In a child started by {@link PipeProcess}: the pipe to the parent, over this process's
     * standard input and output. Call it first thing in {@code main}.
     *
     * <p>From this call on, {@code System.out} is {@code System.err}, because stdout carries the
     * pipe and a stray {@code System.out.println} would corrupt it; anything printed to
     * {@code System.out} before this call reaches the parent as garbage and fails the handshake.
     * Native code, or a stream that kept a reference to the old {@code System.out}, must not
     * write to stdout. {@code System.in} belongs to the pipe too; closing the pipe closes both.
     *
     * <p>At JVM shutdown ({@code System.exit}, SIGTERM) the pipe is closed, so that what was
     * written reaches the parent before the process ends (waiting at most
     * {@link PipeOptions#writeTimeout()}), and the parent's reads end with {@link PeerClosedException}.
     *
     * <p>A process has one stdin and one stdout, so it has one pipe to its parent: every call
     * returns the same pipe (also once it is closed), and a call with options unequal to the
     * first call's is refused. If the first call failed, later calls throw the same failure.
     *
     * @param options limits, timeouts, wire and secret; the secret and wire must match the parent's
     * @return the pipe to the parent
     * @throws PipeTimeoutException when stdin did not deliver a pipc handshake within
     *         {@link PipeOptions#connectTimeout()}: this process was not started by {@link PipeProcess}
     * @throws PeerClosedException when stdin ended before the handshake (it was empty or {@code /dev/null})
     * @throws ProtocolException when stdin delivered something other than the pipc wire
     * @throws IllegalStateException when the pipe was made earlier with other options
     */
    public static Pipe parent(PipeOptions options) {
        return ParentPipe.get(options);
    }

    /**
     * Waits until at least one candidate is ready, and returns the ready ones without
     * consuming anything: a pipe with a message queued or whose peer has gone or disconnected
     * (so that a read will not block), a server with a client waiting. Any mix of transports.
     * A blocked select uses no CPU.
     *
     * @param candidates what to wait on
     * @param timeout how long to wait at most; zero checks without waiting
     * @return the ready candidates in the order given, or an empty list after the timeout
     */
    public static List<Selectable> select(Collection<? extends Selectable> candidates, Duration timeout) {
        return Selection.select(candidates, timeout);
    }

    /**
     * A reusable selection for loops over many candidates: add each pipe and server once, then
     * {@linkplain Poller#poll poll} as often as needed; a poll costs what the ready candidates
     * cost, where {@link #select} looks at every candidate on every call.
     *
     * @return a new, empty poller; close it when done
     */
    public static Poller poller() {
        return new Poller();
    }
}
