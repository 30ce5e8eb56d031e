package io.pipc.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.integration.PipeOutboundGateway;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for pipc: the pipes and pipe servers an application declares.
 * Each entry of {@code pipc.pipes} becomes a {@code Pipe} bean named {@code <key>Pipe}, each
 * entry of {@code pipc.servers} a {@code PipeServer} bean named {@code <key>PipeServer}.
 *
 * <p>Boot binds the tree once, into this bean: the kinds (transport, mode, codec, wire) as
 * enums, durations and sizes with Boot's units. The binding is strict ({@link PipcBindHandlerAdvisor}):
 * a key that is no property, or a value that cannot be read, fails the start with one
 * {@link InvalidPipcPropertiesException} naming each, together with whatever else
 * {@link PipcDefinitions}, which holds the rules, finds wrong.
 */
@ConfigurationProperties("pipc")
public class PipcProperties {

    /**
     * Directory for FIFOs and socket files. By default $XDG_RUNTIME_DIR/pipc when set, else
     * <java.io.tmpdir>/pipc-<uid>, private to the current user.
     */
    private @Nullable Path directory;

    /**
     * Pipes by name; each becomes a bean named "<name>Pipe".
     */
    private Map<String, PipeEntry> pipes = new LinkedHashMap<>();

    /**
     * Pipe servers by name; each becomes a bean named "<name>PipeServer".
     */
    private Map<String, ServerEntry> servers = new LinkedHashMap<>();

    public @Nullable Path getDirectory() {
        return this.directory;
    }

    public void setDirectory(@Nullable Path directory) {
        this.directory = directory;
    }

    public Map<String, PipeEntry> getPipes() {
        return this.pipes;
    }

    public void setPipes(Map<String, PipeEntry> pipes) {
        this.pipes = pipes;
    }

    public Map<String, ServerEntry> getServers() {
        return this.servers;
    }

    public void setServers(Map<String, ServerEntry> servers) {
        this.servers = servers;
    }

    /**
     * What pipes and servers share: where they are, how messages look, limits, security and
     * the channels their messages flow through.
     */
    public abstract static class Entry {

        /**
         * Transport: in-process, fifo, unix or tcp for a pipe; unix or tcp for a server.
         */
        private @Nullable Transport transport;

        /**
         * Host: for a pipe, of the server to connect to or of the peer of a TCP rendezvous; for a
         * server, the address it listens on.
         */
        private String host = "127.0.0.1";

        /**
         * TCP port: for a pipe, of the server or the one both sides of a rendezvous use (1 to
         * 65535); for a server, the one it listens on (0 picks a free one).
         */
        private @Nullable Integer port;

        /**
         * Unix socket file: a file name (a socket in the pipc directory) or an absolute path. By
         * default "<name>.sock" in the pipc directory.
         */
        private @Nullable Path path;

        /**
         * Codec for message payloads: bytes (byte[] payloads), string (UTF-8 text) or json
         * (objects of json-type).
         */
        private CodecType codec = CodecType.BYTES;

        /**
         * Fully qualified name of the class that json payloads are read as.
         */
        private @Nullable String jsonType;

        /**
         * Wire format: native, or python for peers using Python's multiprocessing.connection.
         */
        private Wire wire = Wire.NATIVE;

        /**
         * Maximum size of one message, in either direction.
         */
        private DataSize maxMessageSize = DataSize.ofMegabytes(8);

        /**
         * Maximum time a write may block while the peer is not reading.
         */
        private Duration writeTimeout = Duration.ofSeconds(30);

        /**
         * Interval between heartbeats on an idle connection; 0 turns heartbeats off.
         */
        private Duration heartbeat = Duration.ofSeconds(5);

        /**
         * Maximum time a peer may take over its preface and authentication.
         */
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        /**
         * Maximum time a frame that has begun to arrive may take to complete.
         */
        private Duration frameTimeout = Duration.ofSeconds(30);

        /**
         * Shared secret both ends must prove they know before any message is accepted.
         */
        private @Nullable String secret;

        /**
         * Name of the Spring SSL bundle (spring.ssl.bundle.*) to use for TLS; TCP only.
         */
        private @Nullable String sslBundle;

        /**
         * Channel every message read is sent to.
         */
        private @Nullable String inboundChannel;

        /**
         * Channel whose messages are written.
         */
        private @Nullable String outboundChannel;

        /**
         * Whether messages are requests and replies, correlated by the wire's correlation id.
         */
        private boolean gateway;

        /**
         * Maximum time to wait for the reply to a request.
         */
        private Duration replyTimeout = Duration.ofSeconds(30);

        /**
         * Maximum number of requests a gateway handles at once; beyond it, reading waits.
         */
        private int maxInFlight = 1000;

        /**
         * Maximum time a stop may take to handle what the peers sent until they were asked to
         * stop, and to write the replies.
         */
        private Duration shutdownGracePeriod = Duration.ofSeconds(10);

        /**
         * Capacity of the inbound queue; when it is full the peer's writes wait.
         */
        private final QueueCapacity queueCapacity = new QueueCapacity();

        public @Nullable Transport getTransport() {
            return this.transport;
        }

        public void setTransport(@Nullable Transport transport) {
            this.transport = transport;
        }

        public String getHost() {
            return this.host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public @Nullable Integer getPort() {
            return this.port;
        }

        public void setPort(@Nullable Integer port) {
            this.port = port;
        }

        public @Nullable Path getPath() {
            return this.path;
        }

        public void setPath(@Nullable Path path) {
            this.path = path;
        }

        public CodecType getCodec() {
            return this.codec;
        }

        public void setCodec(CodecType codec) {
            this.codec = codec;
        }

        public @Nullable String getJsonType() {
            return this.jsonType;
        }

        public void setJsonType(@Nullable String jsonType) {
            this.jsonType = jsonType;
        }

        public Wire getWire() {
            return this.wire;
        }

        public void setWire(Wire wire) {
            this.wire = wire;
        }

        public DataSize getMaxMessageSize() {
            return this.maxMessageSize;
        }

        public void setMaxMessageSize(DataSize maxMessageSize) {
            this.maxMessageSize = maxMessageSize;
        }

        public Duration getWriteTimeout() {
            return this.writeTimeout;
        }

        public void setWriteTimeout(Duration writeTimeout) {
            this.writeTimeout = writeTimeout;
        }

        public Duration getHeartbeat() {
            return this.heartbeat;
        }

        public void setHeartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
        }

        public Duration getHandshakeTimeout() {
            return this.handshakeTimeout;
        }

        public void setHandshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
        }

        public Duration getFrameTimeout() {
            return this.frameTimeout;
        }

        public void setFrameTimeout(Duration frameTimeout) {
            this.frameTimeout = frameTimeout;
        }

        public @Nullable String getSecret() {
            return this.secret;
        }

        public void setSecret(@Nullable String secret) {
            this.secret = secret;
        }

        public @Nullable String getSslBundle() {
            return this.sslBundle;
        }

        public void setSslBundle(@Nullable String sslBundle) {
            this.sslBundle = sslBundle;
        }

        public @Nullable String getInboundChannel() {
            return this.inboundChannel;
        }

        public void setInboundChannel(@Nullable String inboundChannel) {
            this.inboundChannel = inboundChannel;
        }

        public @Nullable String getOutboundChannel() {
            return this.outboundChannel;
        }

        public void setOutboundChannel(@Nullable String outboundChannel) {
            this.outboundChannel = outboundChannel;
        }

        public boolean isGateway() {
            return this.gateway;
        }

        public void setGateway(boolean gateway) {
            this.gateway = gateway;
        }

        public Duration getReplyTimeout() {
            return this.replyTimeout;
        }

        public void setReplyTimeout(Duration replyTimeout) {
            this.replyTimeout = replyTimeout;
        }

        public int getMaxInFlight() {
            return this.maxInFlight;
        }

        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public Duration getShutdownGracePeriod() {
            return this.shutdownGracePeriod;
        }

        public void setShutdownGracePeriod(Duration shutdownGracePeriod) {
            this.shutdownGracePeriod = shutdownGracePeriod;
        }

        public QueueCapacity getQueueCapacity() {
            return this.queueCapacity;
        }
    }

    /**
     * One pipe: a FIFO rendezvous, a TCP rendezvous or client, a Unix socket client, or one
     * end of an in-process pair.
     */
    public static class PipeEntry extends Entry {

        /**
         * Rendezvous name for fifo and in-process pipes. By default the entry's key.
         */
        private @Nullable String name;

        /**
         * TCP mode: rendezvous (whichever side comes first listens) or connect (client of a server).
         */
        private TcpMode mode = TcpMode.RENDEZVOUS;

        /**
         * Maximum time to wait for the peer when the pipe opens.
         */
        private Duration connectTimeout = Duration.ofSeconds(30);

        /**
         * Local address a TCP rendezvous listens on and connects from. By default loopback for
         * a loopback host, else every interface (which needs a secret or ssl-bundle).
         */
        private @Nullable String localAddress;

        /**
         * Whether a TLS pipe checks that the peer's certificate names host: the server's when
         * connecting, and in a rendezvous the peer's, whichever side connected.
         */
        private boolean tlsHostnameVerification = true;

        /**
         * Whether the pipe opens in the background and opens again, with backoff, when its peer
         * goes away. When false, the start waits for the peer up to connect-timeout and a pipe
         * whose peer left stays down.
         */
        private boolean reconnect = true;

        /**
         * How long to wait between attempts to open the pipe while its peer is absent.
         */
        private final Backoff backoff = new Backoff();

        /**
         * Name of the TaskExecutor bean whose tasks hand a unix or tcp pipe's messages (all but
         * the outbound gateway's replies, which complete on the event loop) to the inbound
         * channel, one task at a time so that they keep their order. Unset, the pipe gets its own
         * single thread, built like Boot's applicationTaskExecutor.
         */
        private @Nullable String executor;

        /**
         * Longest time a thread that asked through the outbound gateway spins for its reply
         * before it parks, while its request is the only one pending; 0 to park at once.
         * Adapts: shorter after spins in vain.
         */
        private Duration replySpin = PipeOutboundGateway.DEFAULT_REPLY_SPIN;

        public @Nullable String getExecutor() {
            return this.executor;
        }

        public void setExecutor(@Nullable String executor) {
            this.executor = executor;
        }

        public Duration getReplySpin() {
            return this.replySpin;
        }

        public void setReplySpin(Duration replySpin) {
            this.replySpin = replySpin;
        }

        public @Nullable String getName() {
            return this.name;
        }

        public void setName(@Nullable String name) {
            this.name = name;
        }

        public TcpMode getMode() {
            return this.mode;
        }

        public void setMode(TcpMode mode) {
            this.mode = mode;
        }

        public Duration getConnectTimeout() {
            return this.connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public @Nullable String getLocalAddress() {
            return this.localAddress;
        }

        public void setLocalAddress(@Nullable String localAddress) {
            this.localAddress = localAddress;
        }

        public boolean isTlsHostnameVerification() {
            return this.tlsHostnameVerification;
        }

        public void setTlsHostnameVerification(boolean tlsHostnameVerification) {
            this.tlsHostnameVerification = tlsHostnameVerification;
        }

        public boolean isReconnect() {
            return this.reconnect;
        }

        public void setReconnect(boolean reconnect) {
            this.reconnect = reconnect;
        }

        public Backoff getBackoff() {
            return this.backoff;
        }
    }

    /**
     * The exponential backoff between attempts to open a pipe again, as Spring's
     * {@code ExponentialBackOff} counts it.
     */
    public static class Backoff {

        /**
         * Wait after the first failed attempt.
         */
        private Duration initialInterval = Duration.ofMillis(100);

        /**
         * Factor each wait is multiplied by for the next one.
         */
        private double multiplier = 2.0;

        /**
         * Longest wait between two attempts.
         */
        private Duration maxInterval = Duration.ofSeconds(10);

        public Duration getInitialInterval() {
            return this.initialInterval;
        }

        public void setInitialInterval(Duration initialInterval) {
            this.initialInterval = initialInterval;
        }

        public double getMultiplier() {
            return this.multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMaxInterval() {
            return this.maxInterval;
        }

        public void setMaxInterval(Duration maxInterval) {
            this.maxInterval = maxInterval;
        }
    }

    /**
     * One pipe server: a TCP or Unix socket listener that hands out a pipe per client.
     */
    public static class ServerEntry extends Entry {

        /**
         * Maximum number of clients connected at once, past their handshake; further clients are refused, counted and logged once per burst.
         */
        private int maxConnections = 1000;

        /**
         * Maximum number of clients in their handshake at once, apart from max-connections; while that many are, new connections wait.
         */
        private int maxHandshakingConnections = 64;

        /**
         * Maximum number of clients from one IP address in their handshake at once (tcp, loopback exempt); further ones are refused.
         */
        private int maxHandshakingConnectionsPerAddress = 16;

        /**
         * Maximum size of all clients' unread and partial messages together; beyond it, reading from clients waits.
         */
        private DataSize maxInboundBuffer = DataSize.ofMegabytes(64);

        /**
         * Number of platform threads handing clients' messages to the inbound channel at once,
         * when no executor is named and virtual threads are off: made as needed, the most recently
         * idle reused first, ended after a minute idle; a quick task waits for a busy thread that
         * will soon be free, a flow whose tasks do not wait runs on no more busy threads than
         * cores, and tasks beyond the limit wait in order. An inbound adapter
         * handles each client's messages in order, one batch at a time; a gateway up to
         * max-in-flight at once per client.
         */
        private int handlerThreads = 64;

        /**
         * Name of the TaskExecutor bean whose tasks hand clients' messages to the inbound
         * channel. Unset, the server gets its own, built like Boot's applicationTaskExecutor.
         */
        private @Nullable String executor;

        /**
         * Whether TLS clients must present a trusted certificate (mutual TLS). Without it TLS
         * only encrypts, so a server beyond loopback with an ssl-bundle and no secret needs it.
         */
        private boolean clientAuth;

        /**
         * Names of users, besides the current one, whose processes a unix server accepts.
         */
        private Set<String> allowedPeerUsers = new LinkedHashSet<>();

        /**
         * Whether a unix server accepts processes of any user.
         */
        private boolean allowAnyPeerUser;

        public int getMaxConnections() {
            return this.maxConnections;
        }

        public void setMaxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
        }

        public int getMaxHandshakingConnections() {
            return this.maxHandshakingConnections;
        }

        public void setMaxHandshakingConnections(int maxHandshakingConnections) {
            this.maxHandshakingConnections = maxHandshakingConnections;
        }

        public int getMaxHandshakingConnectionsPerAddress() {
            return this.maxHandshakingConnectionsPerAddress;
        }

        public void setMaxHandshakingConnectionsPerAddress(int maxHandshakingConnectionsPerAddress) {
            this.maxHandshakingConnectionsPerAddress = maxHandshakingConnectionsPerAddress;
        }

        public DataSize getMaxInboundBuffer() {
            return this.maxInboundBuffer;
        }

        public void setMaxInboundBuffer(DataSize maxInboundBuffer) {
            this.maxInboundBuffer = maxInboundBuffer;
        }

        public int getHandlerThreads() {
            return this.handlerThreads;
        }

        public void setHandlerThreads(int handlerThreads) {
            this.handlerThreads = handlerThreads;
        }

        public @Nullable String getExecutor() {
            return this.executor;
        }

        public void setExecutor(@Nullable String executor) {
            this.executor = executor;
        }

        public boolean isClientAuth() {
            return this.clientAuth;
        }

        public void setClientAuth(boolean clientAuth) {
            this.clientAuth = clientAuth;
        }

        public Set<String> getAllowedPeerUsers() {
            return this.allowedPeerUsers;
        }

        public void setAllowedPeerUsers(Set<String> allowedPeerUsers) {
            this.allowedPeerUsers = allowedPeerUsers;
        }

        public boolean isAllowAnyPeerUser() {
            return this.allowAnyPeerUser;
        }

        public void setAllowAnyPeerUser(boolean allowAnyPeerUser) {
            this.allowAnyPeerUser = allowAnyPeerUser;
        }
    }

    /**
     * How much the inbound queue holds before the transport stops reading from the peer.
     */
    public static class QueueCapacity {

        /**
         * Maximum number of received messages waiting to be handled.
         */
        private int messages = 4096;

        /**
         * Maximum size of received messages waiting to be handled.
         */
        private DataSize bytes = DataSize.ofMegabytes(16);

        public int getMessages() {
            return this.messages;
        }

        public void setMessages(int messages) {
            this.messages = messages;
        }

        public DataSize getBytes() {
            return this.bytes;
        }

        public void setBytes(DataSize bytes) {
            this.bytes = bytes;
        }
    }
}
