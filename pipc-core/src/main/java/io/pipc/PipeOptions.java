package io.pipc;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.jspecify.annotations.Nullable;

/**
 * How a pipe or server behaves: limits, timeouts, security and wire. Immutable; made with
 * {@link #builder()} or taken as {@link #defaults()}. Every default is safe: bounded queues,
 * bounded waits, private directories, loopback binds.
 *
 * <p>Each setter refuses a bad value at once with an {@link IllegalArgumentException} naming
 * the option and the value, for example {@code writeTimeout must not be negative (was PT-1S)}.
 */
public final class PipeOptions {

    /** The largest array the JVM reliably allocates. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private static final PipeOptions DEFAULTS = new Builder().build();

    private final @Nullable String name;
    private final int maxMessageSize;
    private final Duration connectTimeout;
    private final Duration writeTimeout;
    private final int queueCapacityMessages;
    private final long queueCapacityBytes;
    private final byte @Nullable [] secret;
    private final @Nullable SSLContext sslContext;
    private final boolean tlsClientAuth;
    private final boolean tlsHostnameVerification;
    private final List<String> tlsProtocols;
    private final List<String> tlsCipherSuites;
    private final @Nullable InetAddress localAddress;
    private final Wire wire;
    private final Duration heartbeat;
    private final Duration handshakeTimeout;
    private final Duration frameTimeout;
    private final @Nullable Path directory;
    private final Set<String> allowedPeerUsers;
    private final boolean allowAnyPeerUser;
    private final int maxConnections;

    // Limits on what a server's clients may hold before the application takes them.
    private final int maxHandshakingConnections;
    private final int maxHandshakingConnectionsPerAddress;
    private final long maxInboundBuffer;
    private final @Nullable ThreadFactory threadFactory;
    private final @Nullable MessageSink messageSink;

    private PipeOptions(Builder b) {
        this.name = b.name;
        this.maxMessageSize = b.maxMessageSize;
        this.connectTimeout = b.connectTimeout;
        this.writeTimeout = b.writeTimeout;
        this.queueCapacityMessages = b.queueCapacityMessages;
        this.queueCapacityBytes = b.queueCapacityBytes;
        this.secret = b.secret == null ? null : b.secret.clone();
        this.sslContext = b.sslContext;
        this.tlsClientAuth = b.tlsClientAuth;
        this.tlsHostnameVerification = b.tlsHostnameVerification;
        this.tlsProtocols = b.tlsProtocols;
        this.tlsCipherSuites = b.tlsCipherSuites;
        this.localAddress = b.localAddress;
        this.wire = b.wire;
        this.heartbeat = b.heartbeat;
        this.handshakeTimeout = b.handshakeTimeout;
        this.frameTimeout = b.frameTimeout;
        this.directory = b.directory;
        this.allowedPeerUsers = Set.copyOf(b.allowedPeerUsers);
        this.allowAnyPeerUser = b.allowAnyPeerUser;
        this.maxConnections = b.maxConnections;

        this.maxHandshakingConnections = b.maxHandshakingConnections;
        this.maxHandshakingConnectionsPerAddress = b.maxHandshakingConnectionsPerAddress;
        this.maxInboundBuffer = b.maxInboundBuffer;
        this.threadFactory = b.threadFactory;
        this.messageSink = b.messageSink;
    }

    /**
     * @return the options every factory method uses when none are given
     */
    public static PipeOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @return a builder holding the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a builder holding these options, to derive a variant
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * @return the pipe's name for logs and errors, or null to have one generated from the transport and address
     */
    public @Nullable String name() {
        return name;
    }

    /**
     * @return the largest message, in bytes, this end writes or accepts; default 8 MiB
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * @return how long a rendezvous or connect waits for the peer (including its handshake); default 30 s
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * @return how long a write may block while the peer is full; zero fails at once; default 30 s
     */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /**
     * @return how many received messages may wait to be read before the transport stops
     *         reading from the peer; default 4096
     */
    public int queueCapacityMessages() {
        return queueCapacityMessages;
    }

    /**
     * @return how many bytes of received messages may wait to be read before the transport
     *         stops reading from the peer; a single message larger than this is still accepted
     *         into an empty queue; default 16 MiB
     */
    public long queueCapacityBytes() {
        return queueCapacityBytes;
    }

    /**
     * @return a copy of the shared secret both ends must prove they know, or null for none (the default)
     */
    public byte @Nullable [] secret() {
        return secret == null ? null : secret.clone();
    }

    /**
     * @return whether a shared secret is set
     */
    public boolean hasSecret() {
        return secret != null;
    }

    /**
     * @return the TLS context for TCP, or null for plain TCP (the default)
     */
    public @Nullable SSLContext sslContext() {
        return sslContext;
    }

    /**
     * @return whether a TLS server requires clients to present a trusted certificate (mutual TLS);
     *         default false. Without it TLS only encrypts: it authenticates no client, so a server
     *         beyond loopback then also needs a {@linkplain #secret() secret}
     */
    public boolean tlsClientAuth() {
        return tlsClientAuth;
    }

    /**
     * @return whether a TLS client checks that the server's certificate names the host it
     *         connected to (endpoint identification "HTTPS": a DNS name or IP address in the
     *         certificate's subject alternative names), and both sides of a TLS rendezvous check
     *         that the other's certificate names the host given to {@link Pipes#remote}; default true
     */
    public boolean tlsHostnameVerification() {
        return tlsHostnameVerification;
    }

    /**
     * @return the TLS versions every engine made with {@link #sslContext()} may negotiate (for
     *         example {@code TLSv1.3}), or empty (the default) for the context's own defaults
     */
    public List<String> tlsProtocols() {
        return tlsProtocols;
    }

    /**
     * @return the TLS cipher suites every engine made with {@link #sslContext()} may negotiate,
     *         in order of preference (JSSE names, for example {@code TLS_AES_128_GCM_SHA256}), or
     *         empty (the default) for the context's own defaults
     */
    public List<String> tlsCipherSuites() {
        return tlsCipherSuites;
    }

    /**
     * @return the local address a TCP rendezvous ({@link Pipes#remote}) listens on and connects
     *         from, or null (the default) for loopback when the peer is a loopback address and
     *         every interface otherwise; anything beyond loopback needs a secret or TLS
     */
    public @Nullable InetAddress localAddress() {
        return localAddress;
    }

    /**
     * @return the wire format; default {@link Wire#NATIVE}
     */
    public Wire wire() {
        return wire;
    }

    /**
     * @return how often an idle connection sends a heartbeat; a peer silent for three
     *         intervals is taken for dead; zero turns heartbeats off; default 5 s
     */
    public Duration heartbeat() {
        return heartbeat;
    }

    /**
     * @return how long a peer may take to complete its preface and authentication before the
     *         connection is closed; default 10 s
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * @return how long a frame that has begun to arrive may take to complete before the
     *         connection is closed (time spent with a full inbound queue does not count); default 30 s
     */
    public Duration frameTimeout() {
        return frameTimeout;
    }

    /**
     * @return where FIFOs and socket files live, or null for the private default:
     *         {@code $XDG_RUNTIME_DIR/pipc} when set, else {@code <java.io.tmpdir>/pipc-<uid>}
     */
    public @Nullable Path directory() {
        return directory;
    }

    /**
     * @return names (or numeric uids) of users, besides the current one, whose processes a Unix
     *         socket server accepts as clients and a Unix socket client trusts as its server;
     *         empty by default
     */
    public Set<String> allowedPeerUsers() {
        return allowedPeerUsers;
    }

    /**
     * @return whether a Unix socket server accepts clients, and a client trusts a server, of any
     *         user; default false
     */
    public boolean allowAnyPeerUser() {
        return allowAnyPeerUser;
    }

    /**
     * @return how many clients that finished their handshake a server holds at once; further
     *         clients are refused; clients still in their handshake are not counted (see
     *         {@link #maxHandshakingConnections()}); default 1000
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * @return how many clients a server lets run their handshake (preface, authentication, TLS)
     *         at once, apart from {@link #maxConnections()}; while that many are in their
     *         handshake, the server accepts no new connection (they wait in the operating
     *         system's listen backlog); default 64
     */
    public int maxHandshakingConnections() {
        return maxHandshakingConnections;
    }

    /**
     * @return how many clients from one IP address a TCP server lets run their handshake at
     *         once (and a TCP rendezvous holds before pairing, at most 32); further connections
     *         from that address are refused at once, so that one host cannot take every place
     *         of {@link #maxHandshakingConnections()}; loopback addresses are exempt (each is
     *         this host, and a local process may pick any of millions), as are Unix socket
     *         clients, which have no address; default 16
     */
    public int maxHandshakingConnectionsPerAddress() {
        return maxHandshakingConnectionsPerAddress;
    }

    /**
     * @return how many bytes a server buffers for all its clients together: received messages
     *         not yet read by the application plus partial messages; once reached, the server
     *         stops reading from clients (their writes block, as with a full queue) until the
     *         application has read it down to half; default 64 MiB
     */
    public long maxInboundBuffer() {
        return maxInboundBuffer;
    }

    /**
     * @return where pipc takes the threads it runs for this pipe or server (event loops, the
     *         watchdog, a stream pipe's reader and writer), or null for pipc's own daemon
     *         threads; default null. Pipes made with the same factory share their event loops
     *         and watchdog, which end when the last of those pipes closes
     */
    public @Nullable ThreadFactory threadFactory() {
        return threadFactory;
    }

    /**
     * @return where a Unix socket or TCP pipe hands its received messages instead of its own
     *         queue (every client of a server made with these options), or null for the queue
     *         that {@code read} takes from; default null
     */
    public @Nullable MessageSink messageSink() {
        return messageSink;
    }

    @Override
    public String toString() {
        return "PipeOptions[name=" + name + ", maxMessageSize=" + maxMessageSize
                + ", connectTimeout=" + connectTimeout + ", writeTimeout=" + writeTimeout
                + ", queueCapacity=" + queueCapacityMessages + " messages/" + queueCapacityBytes + " bytes"
                + ", secret=" + (secret == null ? "none" : "(set)")
                + ", tls=" + (sslContext == null ? "off" : sslContext.getProtocol() + (tlsClientAuth ? " with client auth" : "")
                        + (tlsHostnameVerification ? "" : " without hostname verification")
                        + (tlsProtocols.isEmpty() ? "" : " protocols " + tlsProtocols)
                        + (tlsCipherSuites.isEmpty() ? "" : " cipher suites " + tlsCipherSuites))
                + ", localAddress=" + (localAddress == null ? "default" : localAddress.getHostAddress())
                + ", wire=" + wire + ", heartbeat=" + heartbeat + ", handshakeTimeout=" + handshakeTimeout
                + ", frameTimeout=" + frameTimeout + ", directory=" + (directory == null ? "default" : directory)
                + ", allowedPeerUsers=" + (allowAnyPeerUser ? "any" : allowedPeerUsers)
                + ", maxConnections=" + maxConnections
                + ", maxHandshakingConnections=" + maxHandshakingConnections + "/" + maxHandshakingConnectionsPerAddress
                + " per address, maxInboundBuffer=" + maxInboundBuffer
                + ", threadFactory=" + (threadFactory == null ? "pipc's own" : threadFactory)
                + (messageSink == null ? "" : ", messageSink=" + messageSink) + "]";
    }

    /**
     * Builds {@link PipeOptions}. Each setter validates its value at once.
     */
    public static final class Builder {

        private @Nullable String name;
        private int maxMessageSize = 8 * 1024 * 1024;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private int queueCapacityMessages = 4096;
        private long queueCapacityBytes = 16L * 1024 * 1024;
        private byte @Nullable [] secret;
        private @Nullable SSLContext sslContext;
        private boolean tlsClientAuth;
        private boolean tlsHostnameVerification = true;
        private List<String> tlsProtocols = List.of();
        private List<String> tlsCipherSuites = List.of();
        private @Nullable InetAddress localAddress;
        private Wire wire = Wire.NATIVE;
        private Duration heartbeat = Duration.ofSeconds(5);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration frameTimeout = Duration.ofSeconds(30);
        private @Nullable Path directory;
        private Set<String> allowedPeerUsers = Set.of();
        private boolean allowAnyPeerUser;
        private int maxConnections = 1000;

        private int maxHandshakingConnections = 64;
        private int maxHandshakingConnectionsPerAddress = 16;
        private long maxInboundBuffer = 64L * 1024 * 1024;
        private @Nullable ThreadFactory threadFactory;
        private @Nullable MessageSink messageSink;

        private Builder() {
        }

        private Builder(PipeOptions o) {
            this.name = o.name;
            this.maxMessageSize = o.maxMessageSize;
            this.connectTimeout = o.connectTimeout;
            this.writeTimeout = o.writeTimeout;
            this.queueCapacityMessages = o.queueCapacityMessages;
            this.queueCapacityBytes = o.queueCapacityBytes;
            this.secret = o.secret;
            this.sslContext = o.sslContext;
            this.tlsClientAuth = o.tlsClientAuth;
            this.tlsHostnameVerification = o.tlsHostnameVerification;
            this.tlsProtocols = o.tlsProtocols;
            this.tlsCipherSuites = o.tlsCipherSuites;
            this.localAddress = o.localAddress;
            this.wire = o.wire;
            this.heartbeat = o.heartbeat;
            this.handshakeTimeout = o.handshakeTimeout;
            this.frameTimeout = o.frameTimeout;
            this.directory = o.directory;
            this.allowedPeerUsers = o.allowedPeerUsers;
            this.allowAnyPeerUser = o.allowAnyPeerUser;
            this.maxConnections = o.maxConnections;

            this.maxHandshakingConnections = o.maxHandshakingConnections;
            this.maxHandshakingConnectionsPerAddress = o.maxHandshakingConnectionsPerAddress;
            this.maxInboundBuffer = o.maxInboundBuffer;
            this.threadFactory = o.threadFactory;
            this.messageSink = o.messageSink;
        }

        /**
         * @param name the pipe's name in logs and errors; null to generate one
         * @return this builder
         */
        public Builder name(@Nullable String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank (was '" + name + "')");
            }
            this.name = name;
            return this;
        }

        /**
         * @param bytes the largest message written or accepted, 0 to {@code Integer.MAX_VALUE - 8}
         * @return this builder
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 0 || bytes > MAX_ARRAY_LENGTH) {
                throw new IllegalArgumentException("maxMessageSize must be between 0 and " + MAX_ARRAY_LENGTH
                        + " bytes (was " + bytes + ")");
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * @param timeout how long a rendezvous or connect waits for the peer; not negative
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = notNegative("connectTimeout", timeout);
            return this;
        }

        /**
         * @param timeout how long a write may block on a full peer; zero fails at once; not negative
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = notNegative("writeTimeout", timeout);
            return this;
        }

        /**
         * @param messages how many received messages may wait to be read; at least 1
         * @param bytes how many bytes of received messages may wait to be read; at least 1
         * @return this builder
         */
        public Builder queueCapacity(int messages, long bytes) {
            if (messages < 1) {
                throw new IllegalArgumentException("queueCapacity messages must be at least 1 (was " + messages + ")");
            }
            if (bytes < 1) {
                throw new IllegalArgumentException("queueCapacity bytes must be at least 1 (was " + bytes + ")");
            }
            this.queueCapacityMessages = messages;
            this.queueCapacityBytes = bytes;
            return this;
        }

        /**
         * @param secret the shared secret both ends must prove they know (copied); null for none
         * @return this builder
         */
        public Builder secret(byte @Nullable [] secret) {
            if (secret != null && secret.length == 0) {
                throw new IllegalArgumentException("secret must not be empty; pass null for no secret");
            }
            this.secret = secret == null ? null : secret.clone();
            return this;
        }

        /**
         * @param secret the shared secret as text, used as its UTF-8 bytes; null for none
         * @return this builder
         */
        public Builder secret(@Nullable String secret) {
            return secret(secret == null ? null : secret.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * @param sslContext the TLS context for TCP servers, clients and rendezvous; null for plain TCP
         * @return this builder
         */
        public Builder sslContext(@Nullable SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * @param required whether a TLS server requires a trusted client certificate (mutual TLS);
         *        a TLS server beyond loopback without a secret needs it, since TLS without client
         *        authentication lets any host connect
         * @return this builder
         */
        public Builder tlsClientAuth(boolean required) {
            this.tlsClientAuth = required;
            return this;
        }

        /**
         * Turns the TLS client's check of the server's host name on or off. Off, any server
         * whose certificate chains to a trusted issuer is accepted, whatever host it was issued
         * for: anyone holding such a certificate can impersonate the server (and read and
         * change the traffic). Turn it off only when the trust store holds nothing but the
         * peers' own certificates (a private CA or pinned self-signed certificates), for
         * example for peers known by IP addresses their certificates do not name.
         *
         * @param verify whether a TLS client checks the server's host name; default true
         * @return this builder
         */
        public Builder tlsHostnameVerification(boolean verify) {
            this.tlsHostnameVerification = verify;
            return this;
        }

        /**
         * Restricts the TLS versions of every engine made with the {@link #sslContext(SSLContext)
         * SSLContext}: servers, clients and rendezvous. A peer that enables none of them fails its
         * handshake with a {@link ProtocolException} saying the two ends share no TLS version.
         * {@link #build()} refuses a version the SSLContext does not support.
         *
         * @param protocols JSSE protocol names, for example {@code TLSv1.3}; empty for the
         *        context's defaults
         * @return this builder
         */
        public Builder tlsProtocols(List<String> protocols) {
            this.tlsProtocols = names("tlsProtocols", protocols);
            return this;
        }

        /**
         * Restricts the TLS cipher suites of every engine made with the
         * {@link #sslContext(SSLContext) SSLContext}, like {@link #tlsProtocols(List)}.
         * {@link #build()} refuses a suite the SSLContext does not support.
         *
         * @param cipherSuites JSSE cipher suite names in order of preference, for example
         *        {@code TLS_AES_128_GCM_SHA256}; empty for the context's defaults
         * @return this builder
         */
        public Builder tlsCipherSuites(List<String> cipherSuites) {
            this.tlsCipherSuites = names("tlsCipherSuites", cipherSuites);
            return this;
        }

        /**
         * @param address the local address a TCP rendezvous listens on and connects from; null
         *        for the default (loopback for a loopback peer, else every interface)
         * @return this builder
         */
        public Builder localAddress(@Nullable InetAddress address) {
            if (address != null && address.isMulticastAddress()) {
                throw new IllegalArgumentException("localAddress must be a unicast address of this host (was "
                        + address.getHostAddress() + ")");
            }
            this.localAddress = address;
            return this;
        }

        /**
         * @param wire the wire format
         * @return this builder
         */
        public Builder wire(Wire wire) {
            this.wire = Objects.requireNonNull(wire, "wire");
            return this;
        }

        /**
         * @param interval how often an idle connection sends a heartbeat; zero turns them off; not negative
         * @return this builder
         */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = notNegative("heartbeat", interval);
            return this;
        }

        /**
         * @param timeout how long a peer may take over its preface and authentication; positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /**
         * @param timeout how long a frame that has begun may take to complete; positive
         * @return this builder
         */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = positive("frameTimeout", timeout);
            return this;
        }

        /**
         * @param directory where FIFOs and socket files live; null for the private default
         * @return this builder
         */
        public Builder directory(@Nullable Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * @param users names (or numeric uids) of users, besides the current one, whose processes a
         *        Unix socket server accepts and a Unix socket client trusts; each must exist when the
         *        server or pipe is made
         * @return this builder
         */
        public Builder allowedPeerUsers(Set<String> users) {
            for (String user : users) {
                if (user == null || user.isBlank()) {
                    throw new IllegalArgumentException("allowedPeerUsers must not hold a blank name (was " + users + ")");
                }
            }
            this.allowedPeerUsers = Set.copyOf(users);
            return this;
        }

        /**
         * @param allow whether a Unix socket server accepts, and a client trusts, a peer of any user
         * @return this builder
         */
        public Builder allowAnyPeerUser(boolean allow) {
            this.allowAnyPeerUser = allow;
            return this;
        }

        /**
         * @param connections how many clients a server holds at once; at least 1
         * @return this builder
         */
        public Builder maxConnections(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1 (was " + connections + ")");
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * @param connections how many clients a server lets run their handshake at once; at least 1
         * @return this builder
         */
        public Builder maxHandshakingConnections(int connections) {
            this.maxHandshakingConnections = atLeastOne("maxHandshakingConnections", connections);
            return this;
        }

        /**
         * @param connections how many clients from one IP address a TCP server lets run their
         *        handshake at once, and a TCP rendezvous holds; at least 1
         * @return this builder
         */
        public Builder maxHandshakingConnectionsPerAddress(int connections) {
            this.maxHandshakingConnectionsPerAddress = atLeastOne("maxHandshakingConnectionsPerAddress", connections);
            return this;
        }

        /**
         * @param bytes how many bytes a server buffers for all its clients together (unread and
         *        partial messages) before it stops reading from them; at least 1
         * @return this builder
         */
        public Builder maxInboundBuffer(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxInboundBuffer must be at least 1 byte (was " + bytes + ")");
            }
            this.maxInboundBuffer = bytes;
            return this;
        }

        /**
         * @param factory where pipc takes the threads it runs for the pipes and servers made with
         *        these options (event loops, the watchdog, a stream pipe's reader and writer),
         *        e.g. Spring's or one of virtual threads; null for pipc's own daemon threads.
         *        Pass the same factory to every pipe that should share event loops: each factory
         *        gets loops of its own
         * @return this builder
         */
        public Builder threadFactory(@Nullable ThreadFactory factory) {
            this.threadFactory = factory;
            return this;
        }

        /**
         * @param sink where Unix socket and TCP pipes made with these options (a server's
         *        clients, or a client) hand the messages they receive, on their event loop,
         *        instead of queueing them for {@code read}; null for the queue. Other transports
         *        refuse options with a sink
         * @return this builder
         * @see MessageSink
         */
        public Builder messageSink(@Nullable MessageSink sink) {
            this.messageSink = sink;
            return this;
        }

        private static int atLeastOne(String option, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(option + " must be at least 1 (was " + value + ")");
            }
            return value;
        }

        /**
         * @return the options
         * @throws IllegalArgumentException when {@link #tlsProtocols(List)} or
         *         {@link #tlsCipherSuites(List)} name something the SSLContext does not support
         */
        public PipeOptions build() {
            if (sslContext != null && !(tlsProtocols.isEmpty() && tlsCipherSuites.isEmpty())) {
                SSLParameters supported = sslContext.getSupportedSSLParameters();
                supported("tlsProtocols", tlsProtocols, supported.getProtocols());
                supported("tlsCipherSuites", tlsCipherSuites, supported.getCipherSuites());
            }
            return new PipeOptions(this);
        }

        private static List<String> names(String option, List<String> names) {
            Objects.requireNonNull(names, option);
            for (String name : names) {
                if (name == null || name.isBlank()) {
                    throw new IllegalArgumentException(option + " must not hold a blank name (was " + names + ")");
                }
            }
            return List.copyOf(names);
        }

        private static void supported(String option, List<String> chosen, String[] supported) {
            List<String> known = List.of(supported);
            for (String name : chosen) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException(option + " holds '" + name + "', which the SSLContext does not"
                            + " support (it supports " + String.join(", ", known) + ")");
                }
            }
        }

        private static Duration notNegative(String option, Duration value) {
            Objects.requireNonNull(value, option);
            if (value.isNegative()) {
                throw new IllegalArgumentException(option + " must not be negative (was " + value + ")");
            }
            return value;
        }

        private static Duration positive(String option, Duration value) {
            Objects.requireNonNull(value, option);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + " must be positive (was " + value + ")");
            }
            return value;
        }
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof PipeOptions o
                && Objects.equals(name, o.name) && maxMessageSize == o.maxMessageSize
                && connectTimeout.equals(o.connectTimeout) && writeTimeout.equals(o.writeTimeout)
                && queueCapacityMessages == o.queueCapacityMessages && queueCapacityBytes == o.queueCapacityBytes
                && Arrays.equals(secret, o.secret) && Objects.equals(sslContext, o.sslContext)
                && tlsClientAuth == o.tlsClientAuth && tlsHostnameVerification == o.tlsHostnameVerification
                && tlsProtocols.equals(o.tlsProtocols) && tlsCipherSuites.equals(o.tlsCipherSuites)
                && Objects.equals(localAddress, o.localAddress) && wire == o.wire && heartbeat.equals(o.heartbeat)
                && handshakeTimeout.equals(o.handshakeTimeout) && frameTimeout.equals(o.frameTimeout)
                && maxHandshakingConnections == o.maxHandshakingConnections
                && maxHandshakingConnectionsPerAddress == o.maxHandshakingConnectionsPerAddress
                && maxInboundBuffer == o.maxInboundBuffer
                && Objects.equals(directory, o.directory) && allowedPeerUsers.equals(o.allowedPeerUsers)
                && allowAnyPeerUser == o.allowAnyPeerUser && maxConnections == o.maxConnections
                && Objects.equals(threadFactory, o.threadFactory) && Objects.equals(messageSink, o.messageSink);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, maxMessageSize, connectTimeout, writeTimeout, queueCapacityMessages,
                queueCapacityBytes, Arrays.hashCode(secret), sslContext, tlsClientAuth, tlsHostnameVerification,
                tlsProtocols, tlsCipherSuites, localAddress, wire, heartbeat,
                maxHandshakingConnections, maxHandshakingConnectionsPerAddress, maxInboundBuffer,
                handshakeTimeout, frameTimeout, directory, allowedPeerUsers, allowAnyPeerUser, maxConnections, threadFactory, messageSink);
    }
}
