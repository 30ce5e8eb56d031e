package io.pipc.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

import io.pipc.PipeOptions;

import org.jspecify.annotations.Nullable;

/**
 * TLS between a connection and its socket, through a JSSE {@link SSLEngine}.
 *
 * <p>The handshake is driven by the event loop, a step each time the socket is ready, and is
 * complete before the first pipc byte. Reads (unwrap) run on the loop; writes (wrap) run on
 * whichever thread flushes the outbox, under a lock that also covers the few records the loop
 * itself must send (TLS 1.3 key updates, close_notify). SSLEngine allows a wrap and an unwrap
 * at the same time.
 *
 * <p>Encrypted bytes the socket did not take wait in {@code netOut}: {@link #hasPendingOutput()}
 * tells the pipe to ask for OP_WRITE, and nothing more is wrapped until they have gone. Records
 * already received but not yet handed over (more than the reader's buffer held) stay in
 * {@code netIn} or {@code appIn}: {@link #hasBufferedInput()} tells the pipe to read again even
 * though the socket has nothing new.
 *
 * <p>Renegotiation (TLS 1.2 and older) is refused: the peer's identity must not change under a
 * pipe that has already been authenticated.
 *
 * <p>Every engine gets the versions and cipher suites of {@link PipeOptions#tlsProtocols()} and
 * {@link PipeOptions#tlsCipherSuites()} when they are set. The connecting side checks the
 * server's name through JSSE; an accepting side given the host it expects (a rendezvous) checks
 * the client's certificate itself once the handshake is done, and refuses it before any pipc
 * byte when it does not name that host.
 */
public final class TlsConduit implements Conduit {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** How many of the peer's first bytes are kept to explain a peer that does not speak TLS. */
    private static final int FIRST_BYTES = 16;

    private final SocketChannel socket;
    private final SSLEngine engine;
    private final boolean clientMode;
    private final String peerHost;
    /** The host the peer's certificate must name, checked here after the handshake; null when JSSE checks or nobody does. */
    private final @Nullable String expectedPeerHost;
    /**
     * Guards the engine's output side and {@code netOut}: the loop and writing threads both wrap.
     * A lock, not a monitor: a virtual thread that waits for it unmounts instead of pinning its
     * carrier (on JDK 21 to 23, a monitor pins).
     */
    private final ReentrantLock output = new ReentrantLock();

    // Loop thread only: the handshake and reads.
    private ByteBuffer netIn;
    private @Nullable ByteBuffer appIn;
    private boolean netInNeedsMore;
    private boolean inboundClosed;
    private boolean endReported;
    private volatile boolean handshakeDone;
    private final byte[] firstBytes = new byte[FIRST_BYTES];
    private int firstBytesCount;

    // Under the output lock: encrypted bytes waiting for the socket, in write mode.
    private ByteBuffer netOut;
    private boolean shutdownPending;

    private TlsConduit(SocketChannel socket, SSLEngine engine, boolean clientMode, String peerHost,
            @Nullable String expectedPeerHost) throws SSLException {
        this.socket = socket;
        this.engine = engine;
        this.clientMode = clientMode;
        this.peerHost = peerHost;
        this.expectedPeerHost = expectedPeerHost;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocateDirect(packet);
        // Room for two full records, so that a long write leaves in one system call per 32 KiB.
        this.netOut = ByteBuffer.allocateDirect(packet * 2);
        engine.beginHandshake();
    }

    /**
     * The side that made the TCP connection: it checks the server's certificate and, unless
     * {@link PipeOptions#tlsHostnameVerification()} is off, that the certificate names {@code host}
     * (JSSE's endpoint identification "HTTPS").
     *
     * @param socket the socket, non-blocking
     * @param options the TLS context (trust material, and a key if the server wants one), with
     *        hostname verification and the versions and cipher suites to enable
     * @param host the host name or address as the application gave it
     * @param port the server's port
     * @return the conduit
     * @throws SSLException when the engine cannot start
     */
    public static TlsConduit client(SocketChannel socket, PipeOptions options, String host, int port)
            throws SSLException {
        SSLEngine engine = context(options).createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = parameters(engine, options);
        if (options.tlsHostnameVerification()) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        engine.setSSLParameters(parameters);
        return new TlsConduit(socket, engine, true, host, null);
    }

    /**
     * The side that accepted the TCP connection. With {@code clientHost}, the client's
     * certificate must name that host as well, checked by pipc itself once the handshake is done
     * ({@link SubjectNames}): JSSE identifies only servers.
     *
     * @param socket the socket, non-blocking
     * @param options the TLS context (this side's key and certificate, and trust material for
     *        clients), with hostname verification and the versions and cipher suites to enable
     * @param requireClientCertificate whether a client must present a trusted certificate (mutual TLS)
     * @param clientHost the host the client's certificate must name (unless
     *        {@link PipeOptions#tlsHostnameVerification()} is off), or null to accept any client
     *        the trust material accepts
     * @param peer who connected, for errors
     * @return the conduit
     * @throws SSLException when the engine cannot start
     */
    public static TlsConduit server(SocketChannel socket, PipeOptions options, boolean requireClientCertificate,
            @Nullable String clientHost, String peer) throws SSLException {
        if (clientHost != null && !requireClientCertificate) {
            throw new IllegalArgumentException("a client can only be identified by a certificate it must present");
        }
        SSLEngine engine = context(options).createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = parameters(engine, options);
        parameters.setNeedClientAuth(requireClientCertificate);
        engine.setSSLParameters(parameters);
        return new TlsConduit(socket, engine, false, peer, options.tlsHostnameVerification() ? clientHost : null);
    }

    private static SSLContext context(PipeOptions options) {
        SSLContext context = options.sslContext();
        if (context == null) {
            throw new IllegalArgumentException("TLS needs PipeOptions.sslContext");
        }
        return context;
    }

    /** The engine's parameters with the versions and cipher suites the options restrict it to. */
    private static SSLParameters parameters(SSLEngine engine, PipeOptions options) {
        SSLParameters parameters = engine.getSSLParameters();
        if (!options.tlsProtocols().isEmpty()) {
            parameters.setProtocols(options.tlsProtocols().toArray(String[]::new));
        }
        if (!options.tlsCipherSuites().isEmpty()) {
            parameters.setCipherSuites(options.tlsCipherSuites().toArray(String[]::new));
        }
        return parameters;
    }

    @Override
    public SocketChannel socket() {
        return socket;
    }

    // ---- handshake, on the loop -------------------------------------------------------

    @Override
    public boolean handshake() throws IOException {
        if (handshakeDone) {
            return true;
        }
        try {
            output.lock();
            try {
                while (true) {
                    if (!flushNetOut()) {
                        return false;
                    }
                    switch (engine.getHandshakeStatus()) {
                        case NEED_TASK -> runTasks();
                        case NEED_WRAP -> wrap(EMPTY);
                        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                            if (!unwrapHandshake()) {
                                return false;
                            }
                        }
                        case FINISHED, NOT_HANDSHAKING -> {
                            checkPeerNamesExpectedHost();
                            handshakeDone = true;
                            return true;
                        }
                    }
                }
            } finally {
                output.unlock();
            }
        } catch (SSLException e) {
            throw refuse(e);
        }
    }

    /** @return false when the handshake must wait for more bytes from the socket */
    private boolean unwrapHandshake() throws IOException {
        SSLEngineResult result = unwrap(appInWithRoom());
        switch (result.getStatus()) {
            case OK -> {
                return true;
            }
            case BUFFER_OVERFLOW -> {
                appIn = grow(appIn(), appIn().capacity() + engine.getSession().getApplicationBufferSize());
                return true;
            }
            case BUFFER_UNDERFLOW -> {
                int n = readSocket();
                if (n < 0) {
                    throw new TlsFailure(TlsFailure.Kind.CLOSED, "the peer closed the connection during the TLS handshake"
                            + (clientMode ? "; it may not speak TLS, or it refused this end (a missing or untrusted client"
                                    + " certificate)" : "; it may have refused this end's certificate"));
                }
                return n > 0;
            }
            case CLOSED -> throw new TlsFailure(TlsFailure.Kind.CLOSED, "the peer closed TLS during the handshake");
        }
        return true;
    }

    /**
     * Under the output lock, once the handshake is done: refuses a peer whose certificate does
     * not name the expected host. A resumed session keeps the certificates it was made with, so
     * the check covers it too.
     */
    private void checkPeerNamesExpectedHost() throws IOException {
        String expected = expectedPeerHost;
        if (expected == null) {
            return;
        }
        SubjectNames names;
        try {
            Certificate[] chain = engine.getSession().getPeerCertificates();
            if (!(chain[0] instanceof X509Certificate certificate)) {
                throw new SSLPeerUnverifiedException("the peer's certificate is not an X.509 certificate");
            }
            names = SubjectNames.of(certificate);
        } catch (SSLPeerUnverifiedException e) {
            sendCloseQuietly();
            throw new TlsFailure(TlsFailure.Kind.AUTHENTICATION, "the peer presented no certificate, and this end"
                    + " must check that it names '" + expected + "'", e);
        }
        if (!names.cover(expected)) {
            sendCloseQuietly();
            throw new TlsFailure(TlsFailure.Kind.AUTHENTICATION, "the peer's certificate does not name '" + expected
                    + "', the host this end was told to meet (it names " + names + "); give the peer a certificate"
                    + " that covers '" + expected + "', name the peer by a host its certificate covers, or, only if the"
                    + " trust store holds nothing but your peers' certificates, turn off"
                    + " PipeOptions.tlsHostnameVerification");
        }
    }

    @Override
    public boolean handshakeWantsWrite() {
        output.lock();
        try {
            return netOut.position() > 0;
        } finally {
            output.unlock();
        }
    }

    // ---- reads, on the loop -----------------------------------------------------------

    @Override
    public int read(ByteBuffer destination) throws IOException {
        try {
            return readDecrypted(destination);
        } catch (SSLException e) {
            throw refuse(e);
        }
    }

    private int readDecrypted(ByteBuffer destination) throws IOException {
        int total = 0;
        while (destination.hasRemaining()) {
            total += drainAppIn(destination);
            if (!destination.hasRemaining()) {
                break;
            }
            if (inboundClosed) {
                if (total > 0) {
                    return total;
                }
                endReported = true;
                return -1;
            }
            if (netIn.position() > 0 && !netInNeedsMore) {
                ByteBuffer target = hasAppIn() || destination.remaining() < engine.getSession().getApplicationBufferSize()
                        ? appInWithRoom() : destination;
                int before = target.position();
                SSLEngineResult result = unwrap(target);
                if (target == destination) {
                    total += destination.position() - before;
                }
                afterUnwrap(result);
                continue;
            }
            int n = readSocket();
            if (n < 0) {
                // The peer ended without close_notify; the pipc layer above knows whether that was clean.
                inboundClosed = true;
                continue;
            }
            if (n == 0) {
                break;
            }
        }
        return total;
    }

    private void afterUnwrap(SSLEngineResult result) throws IOException {
        switch (result.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                netInNeedsMore = true;
                if (!netIn.hasRemaining()) {
                    netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                }
            }
            case BUFFER_OVERFLOW -> {
                if (!hasAppIn()) {
                    appIn = grow(appIn(), engine.getSession().getApplicationBufferSize());
                }
            }
            case CLOSED -> inboundClosed = true;
            case OK -> {
                if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                    netInNeedsMore = true;
                }
            }
        }
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
            return;
        }
        HandshakeStatus status = result.getHandshakeStatus();
        if (status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED) {
            return;
        }
        if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
            throw new TlsFailure(TlsFailure.Kind.PROTOCOL, "the peer started a TLS renegotiation, which pipc refuses");
        }
        // TLS 1.3 post-handshake messages: a key update to answer, or a ticket to process.
        if (status == HandshakeStatus.NEED_TASK) {
            runTasks();
        } else if (status == HandshakeStatus.NEED_WRAP) {
            output.lock();
            try {
                while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    if (wrap(EMPTY).bytesProduced() == 0) {
                        break;
                    }
                }
                flushNetOut();
            } finally {
                output.unlock();
            }
        }
    }

    @Override
    public boolean hasBufferedInput() {
        return hasAppIn() || (netIn.position() > 0 && !netInNeedsMore) || (inboundClosed && !endReported);
    }

    private int drainAppIn(ByteBuffer destination) {
        ByteBuffer buffer = appIn;
        if (buffer == null || buffer.position() == 0) {
            return 0;
        }
        buffer.flip();
        int n = Math.min(buffer.remaining(), destination.remaining());
        ByteBuffer slice = buffer.slice();
        slice.limit(n);
        destination.put(slice);
        buffer.position(buffer.position() + n);
        buffer.compact();
        return n;
    }

    private SSLEngineResult unwrap(ByteBuffer target) throws SSLException {
        netIn.flip();
        try {
            return engine.unwrap(netIn, target);
        } finally {
            netIn.compact();
        }
    }

    private int readSocket() throws IOException {
        int before = netIn.position();
        int n = socket.read(netIn);
        if (n > 0) {
            netInNeedsMore = false;
            if (firstBytesCount < FIRST_BYTES) {
                int keep = Math.min(FIRST_BYTES - firstBytesCount, n);
                for (int i = 0; i < keep; i++) {
                    firstBytes[firstBytesCount++] = netIn.get(before + i);
                }
            }
        }
        return n;
    }

    private boolean hasAppIn() {
        return appIn != null && appIn.position() > 0;
    }

    private ByteBuffer appIn() {
        if (appIn == null) {
            appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize());
        }
        return appIn;
    }

    private ByteBuffer appInWithRoom() {
        ByteBuffer buffer = appIn();
        if (buffer.remaining() < engine.getSession().getApplicationBufferSize() && buffer.position() == 0) {
            appIn = grow(buffer, engine.getSession().getApplicationBufferSize());
        }
        return appIn();
    }

    // ---- writes, on the flushing thread -----------------------------------------------

    @Override
    public int write(ByteBuffer source) throws IOException {
        return (int) write(new ByteBuffer[] {source}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
        output.lock();
        try {
            try {
                if (!flushNetOut()) {
                    return 0;
                }
                long consumed = 0;
                int packet = engine.getSession().getPacketBufferSize();
                while (hasRemaining(sources, offset, length)) {
                    if (netOut.remaining() < packet) {
                        if (netOut.position() == 0) {
                            netOut = grow(netOut, packet);
                        } else if (!flushNetOut()) {
                            break;
                        }
                        continue;
                    }
                    SSLEngineResult result = engine.wrap(sources, offset, length, netOut);
                    if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new ClosedChannelException();
                    }
                    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        netOut = grow(netOut, netOut.capacity() + packet);
                        continue;
                    }
                    consumed += result.bytesConsumed();
                    if (result.bytesConsumed() == 0) {
                        break;
                    }
                }
                flushNetOut();
                return consumed;
            } catch (SSLException e) {
                throw refuse(e);
            }
        } finally {
            output.unlock();
        }
    }

    @Override
    public boolean hasPendingOutput() {
        output.lock();
        try {
            return netOut.position() > 0 || shutdownPending;
        } finally {
            output.unlock();
        }
    }

    @Override
    public boolean flushPendingOutput() throws IOException {
        output.lock();
        try {
            if (!flushNetOut()) {
                return false;
            }
            if (shutdownPending) {
                shutdownPending = false;
                socket.shutdownOutput();
            }
            return true;
        } finally {
            output.unlock();
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        output.lock();
        try {
            engine.closeOutbound();
            try {
                while (!engine.isOutboundDone()) {
                    if (netOut.remaining() < engine.getSession().getPacketBufferSize() && !flushNetOut()) {
                        break;
                    }
                    if (wrap(EMPTY).bytesProduced() == 0) {
                        break;
                    }
                }
            } catch (SSLException e) {
                // The close_notify is a courtesy: the FIN below ends the stream all the same.
            }
            if (flushNetOut()) {
                socket.shutdownOutput();
            } else {
                shutdownPending = true;
            }
        } finally {
            output.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Under the output lock. */
    private SSLEngineResult wrap(ByteBuffer source) throws SSLException {
        SSLEngineResult result = engine.wrap(source, netOut);
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            netOut = grow(netOut, netOut.capacity() + engine.getSession().getPacketBufferSize());
            result = engine.wrap(source, netOut);
        }
        return result;
    }

    /** Under the output lock: @return whether nothing is left waiting */
    private boolean flushNetOut() throws IOException {
        if (netOut.position() == 0) {
            return true;
        }
        netOut.flip();
        try {
            while (netOut.hasRemaining()) {
                if (socket.write(netOut) == 0) {
                    return false;
                }
            }
            return true;
        } finally {
            netOut.compact();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            // Certificate checks: short, and the loop would wait for their outcome anyway.
            task.run();
        }
    }

    /**
     * Turns an engine failure into a classified one, after sending the engine's alert (best
     * effort) so that the peer learns why.
     */
    private TlsFailure refuse(SSLException e) {
        if (e instanceof TlsFailure failure) {
            return failure;
        }
        sendCloseQuietly();
        return TlsFailure.classify(e, clientMode, handshakeDone, peerHost, Arrays.copyOf(firstBytes, firstBytesCount));
    }

    /** Sends the engine's alert or close_notify, best effort: the connection is being dropped anyway. */
    private void sendCloseQuietly() {
        output.lock();
        try {
            try {
                engine.closeOutbound();
                while (!engine.isOutboundDone() && wrap(EMPTY).bytesProduced() > 0) {
                    // collect the alert
                }
                flushNetOut();
            } catch (IOException | RuntimeException ignored) {
                // best effort
            }
        } finally {
            output.unlock();
        }
    }

    private static boolean hasRemaining(ByteBuffer[] sources, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (sources[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private static ByteBuffer grow(ByteBuffer buffer, int capacity) {
        if (buffer.capacity() >= capacity) {
            return buffer;
        }
        ByteBuffer larger = ByteBuffer.allocateDirect(capacity);
        buffer.flip();
        larger.put(buffer);
        return larger;
    }

    @Override
    public String toString() {
        return "TlsConduit[" + (clientMode ? "client" : "server") + ", " + peerHost
                + (handshakeDone ? ", " + engine.getSession().getProtocol() : ", handshaking") + "]";
    }
}
