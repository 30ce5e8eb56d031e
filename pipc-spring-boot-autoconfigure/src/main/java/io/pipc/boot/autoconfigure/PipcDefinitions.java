package io.pipc.boot.autoconfigure;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.pipc.Transport;
import io.pipc.Wire;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * The pipes and servers of {@link PipcProperties}, checked and with their kinds parsed. Every
 * rule lives here, so that a configuration that cannot work fails the start with one
 * {@link InvalidPipcPropertiesException} naming each wrong property and its value, before
 * anything opens.
 *
 * @param directory where FIFOs and socket files live, or null for the private default
 * @param pipes the pipe entries, in configuration order
 * @param servers the server entries, in configuration order
 */
record PipcDefinitions(@Nullable Path directory, List<PipeDefinition> pipes, List<ServerDefinition> servers) {

    /** The names {@code Pipes.named} accepts; the default name is the entry's key. */
    private static final Pattern RENDEZVOUS_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /** The largest message a pipe can carry: the largest array the JVM reliably allocates. */
    private static final long MAX_MESSAGE_SIZE = Integer.MAX_VALUE - 8;

    private static final Map<String, Transport> PIPE_TRANSPORTS = Map.of(
            "in-process", Transport.IN_PROCESS, "fifo", Transport.FIFO, "unix", Transport.UNIX, "tcp", Transport.TCP);

    private static final Map<String, Transport> SERVER_TRANSPORTS = Map.of("unix", Transport.UNIX, "tcp", Transport.TCP);

    private static final Pattern CANONICAL_KEY = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private static final Map<String, Long> UNITS = unitsLargestFirst();

    private static final Map<String, Wire> WIRES = Map.of("native", Wire.NATIVE, "python", Wire.PYTHON);

    private static Map<String, Long> unitsLargestFirst() {
        Map<String, Long> units = new LinkedHashMap<>();
        units.put("d", Duration.ofDays(1).toNanos());
        units.put("h", Duration.ofHours(1).toNanos());
        units.put("m", Duration.ofMinutes(1).toNanos());
        units.put("s", Duration.ofSeconds(1).toNanos());
        units.put("ms", Duration.ofMillis(1).toNanos());
        units.put("us", 1000L);
        return units;
    }

    /**
     * @return whether no pipe and no server is configured
     */
    boolean isEmpty() {
        return this.pipes.isEmpty() && this.servers.isEmpty();
    }

    /**
     * Checks every entry and parses its kinds.
     *
     * @param properties the bound properties
     * @param classLoader where {@code json-type} classes are looked up
     * @return the definitions
     * @throws InvalidPipcPropertiesException naming every problem found
     */
    static PipcDefinitions resolve(PipcProperties properties, @Nullable ClassLoader classLoader) {
        Problems problems = new Problems();
        List<PipeDefinition> pipes = new ArrayList<>();
        properties.getPipes().forEach((key, entry) -> {
            PipeDefinition definition = resolvePipe(key, entry, classLoader, problems);
            if (definition != null) {
                pipes.add(definition);
            }
        });
        List<ServerDefinition> servers = new ArrayList<>();
        properties.getServers().forEach((key, entry) -> {
            ServerDefinition definition = resolveServer(key, entry, classLoader, problems);
            if (definition != null) {
                servers.add(definition);
            }
        });
        checkInProcessPairs(pipes, problems);
        problems.throwIfAny();
        return new PipcDefinitions(properties.getDirectory(), List.copyOf(pipes), List.copyOf(servers));
    }

    private static @Nullable PipeDefinition resolvePipe(String key, PipcProperties.PipeEntry entry,
            @Nullable ClassLoader classLoader, Problems problems) {
        String prefix = propertyPrefix("pipc.pipes", key);
        int before = problems.count();
        Transport transport = choice(prefix + ".transport", entry.getTransport(), PIPE_TRANSPORTS, problems);
        String name = (entry.getName() != null) ? entry.getName() : key;
        TcpMode mode = choice(prefix + ".mode", entry.getMode(), byValue(TcpMode.values(), TcpMode::propertyValue),
                problems);
        checkCommon(prefix, entry, problems);
        CodecType codec = choice(prefix + ".codec", entry.getCodec(),
                byValue(CodecType.values(), CodecType::propertyValue), problems);
        Class<?> jsonType = jsonType(prefix, codec, entry.getJsonType(), classLoader, problems);
        Wire wire = choice(prefix + ".wire", entry.getWire(), WIRES, problems);
        notNegative(prefix + ".connect-timeout", entry.getConnectTimeout(), problems);
        InetAddress localAddress = null;
        if (transport != null) {
            if (transport == Transport.FIFO || transport == Transport.IN_PROCESS) {
                if (!RENDEZVOUS_NAME.matcher(name).matches()) {
                    problems.add(prefix + ".name must be 1 to 100 characters of [A-Za-z0-9._-] (was '" + name + "')"
                            + (entry.getName() == null ? "; the name defaults to the entry's key, so set it" : ""));
                }
            }
            else if (entry.getName() != null) {
                problems.add(notApplicable(prefix, "name", transport));
            }
            if (transport == Transport.TCP) {
                port(prefix, entry.getPort(), 1, problems);
                if (mode == TcpMode.RENDEZVOUS) {
                    localAddress = rendezvousAddresses(prefix, entry, problems);
                }
            }
            else {
                if (entry.getPort() != null) {
                    problems.add(notApplicable(prefix, "port", transport));
                }
                if (entry.getSslBundle() != null) {
                    problems.add(notApplicable(prefix, "ssl-bundle", transport));
                }
            }
            if (entry.getLocalAddress() != null && (transport != Transport.TCP || mode != TcpMode.RENDEZVOUS)) {
                problems.add(prefix + ".local-address applies only to a tcp rendezvous (mode rendezvous)");
            }
            if (!entry.isTlsHostnameVerification() && entry.getSslBundle() == null) {
                problems.add(prefix + ".tls-hostname-verification applies only with " + prefix
                        + ".ssl-bundle (was false)");
            }
            if (transport != Transport.UNIX && entry.getPath() != null) {
                problems.add(notApplicable(prefix, "path", transport));
            }
            if (transport == Transport.IN_PROCESS) {
                if (entry.getSecret() != null) {
                    problems.add(notApplicable(prefix, "secret", transport));
                }
                if (wire == Wire.PYTHON) {
                    problems.add(notApplicable(prefix, "wire", transport) + "; in-process pipes have no wire");
                }
            }
        }
        if (entry.isGateway()) {
            if (entry.getInboundChannel() == null && entry.getOutboundChannel() == null) {
                problems.add(prefix + ".gateway needs " + prefix + ".inbound-channel (requests from the peer) or "
                        + prefix + ".outbound-channel (requests to the peer)");
            }
            if (wire == Wire.PYTHON) {
                problems.add(prefix + ".gateway needs the native wire: the python wire carries no correlation ids"
                        + " (was wire 'python')");
            }
        }
        if (problems.count() > before || transport == null || mode == null || codec == null || wire == null) {
            return null;
        }
        return new PipeDefinition(key, entry, transport, name, mode, localAddress, codec, jsonType, wire);
    }

    private static @Nullable ServerDefinition resolveServer(String key, PipcProperties.ServerEntry entry,
            @Nullable ClassLoader classLoader, Problems problems) {
        String prefix = propertyPrefix("pipc.servers", key);
        int before = problems.count();
        Transport transport = choice(prefix + ".transport", entry.getTransport(), SERVER_TRANSPORTS, problems);
        checkCommon(prefix, entry, problems);
        CodecType codec = choice(prefix + ".codec", entry.getCodec(),
                byValue(CodecType.values(), CodecType::propertyValue), problems);
        Class<?> jsonType = jsonType(prefix, codec, entry.getJsonType(), classLoader, problems);
        Wire wire = choice(prefix + ".wire", entry.getWire(), WIRES, problems);
        atLeastOne(prefix + ".max-connections", entry.getMaxConnections(), problems);
        atLeastOne(prefix + ".max-handshaking-connections", entry.getMaxHandshakingConnections(), problems);
        atLeastOne(prefix + ".max-handshaking-connections-per-address", entry.getMaxHandshakingConnectionsPerAddress(),
                problems);
        if (entry.getMaxInboundBuffer().toBytes() < 1) {
            problems.add(prefix + ".max-inbound-buffer must be at least 1B (was " + entry.getMaxInboundBuffer() + ")");
        }
        atLeastOne(prefix + ".handler-threads", entry.getHandlerThreads(), problems);
        if (entry.isClientAuth() && entry.getSslBundle() == null) {
            problems.add(prefix + ".client-auth needs " + prefix + ".ssl-bundle: client certificates are part of TLS");
        }
        for (String user : entry.getAllowedPeerUsers()) {
            if (!StringUtils.hasText(user)) {
                problems.add(prefix + ".allowed-peer-users must not hold a blank name (was " + entry.getAllowedPeerUsers()
                        + ")");
                break;
            }
        }
        if (transport == Transport.TCP) {
            port(prefix, entry.getPort(), 0, problems);
            String authenticate = howToAuthenticate(prefix, entry, entry.isClientAuth());
            if (authenticate != null) {
                requireLoopback(prefix, "host", entry.getHost(), "the server would listen on the network", authenticate,
                        problems);
            }
        }
        else if (transport == Transport.UNIX) {
            if (entry.getPort() != null) {
                problems.add(notApplicable(prefix, "port", transport));
            }
            if (entry.getSslBundle() != null) {
                problems.add(notApplicable(prefix, "ssl-bundle", transport));
            }
        }
        if (transport == Transport.TCP && entry.getPath() != null) {
            problems.add(notApplicable(prefix, "path", transport));
        }
        if (transport == Transport.UNIX && entry.getPath() != null && !SocketPaths.isValid(entry.getPath())) {
            problems.add(prefix + ".path must be a file name (a socket in pipc.directory) or an absolute path (was '"
                    + entry.getPath() + "')");
        }
        if (entry.isGateway() && entry.getInboundChannel() == null) {
            problems.add(prefix + ".gateway needs " + prefix + ".inbound-channel: the channel requests are sent to");
        }
        if (problems.count() > before || transport == null || codec == null || wire == null) {
            return null;
        }
        return new ServerDefinition(key, entry, transport, codec, jsonType, wire);
    }

    private static void checkCommon(String prefix, PipcProperties.Entry entry, Problems problems) {
        DataSize maxMessageSize = entry.getMaxMessageSize();
        if (maxMessageSize.toBytes() < 1 || maxMessageSize.toBytes() > MAX_MESSAGE_SIZE) {
            problems.add(prefix + ".max-message-size must be between 1B and " + MAX_MESSAGE_SIZE + "B (was "
                    + maxMessageSize + ")");
        }
        notNegative(prefix + ".write-timeout", entry.getWriteTimeout(), problems);
        notNegative(prefix + ".heartbeat", entry.getHeartbeat(), problems);
        positive(prefix + ".handshake-timeout", entry.getHandshakeTimeout(), problems);
        positive(prefix + ".frame-timeout", entry.getFrameTimeout(), problems);
        positive(prefix + ".reply-timeout", entry.getReplyTimeout(), problems);
        notNegative(prefix + ".shutdown-grace-period", entry.getShutdownGracePeriod(), problems);
        atLeastOne(prefix + ".max-in-flight", entry.getMaxInFlight(), problems);
        atLeastOne(prefix + ".queue-capacity.messages", entry.getQueueCapacity().getMessages(), problems);
        if (entry.getQueueCapacity().getBytes().toBytes() < 1) {
            problems.add(prefix + ".queue-capacity.bytes must be at least 1B (was " + entry.getQueueCapacity().getBytes()
                    + ")");
        }
        if (entry.getSecret() != null && entry.getSecret().isEmpty()) {
            problems.add(prefix + ".secret must not be empty; leave it unset for no secret");
        }
        if (entry.getSslBundle() != null && !StringUtils.hasText(entry.getSslBundle())) {
            problems.add(prefix + ".ssl-bundle must name an SSL bundle (was '" + entry.getSslBundle() + "')");
        }
        channelName(prefix + ".inbound-channel", entry.getInboundChannel(), problems);
        channelName(prefix + ".outbound-channel", entry.getOutboundChannel(), problems);
        if (entry.getInboundChannel() != null && entry.getInboundChannel().equals(entry.getOutboundChannel())) {
            problems.add(prefix + ".outbound-channel must differ from " + prefix
                    + ".inbound-channel, or every message read would be written back (was '"
                    + entry.getOutboundChannel() + "')");
        }
    }

    private static @Nullable Class<?> jsonType(String prefix, @Nullable CodecType codec, @Nullable String jsonType,
            @Nullable ClassLoader classLoader, Problems problems) {
        if (codec != CodecType.JSON) {
            if (jsonType != null && codec != null) {
                problems.add(prefix + ".json-type applies only to codec json (codec is '" + codec.propertyValue() + "')");
            }
            return null;
        }
        if (!StringUtils.hasText(jsonType)) {
            problems.add(prefix + ".json-type is required for codec json: the fully qualified name of the class"
                    + " messages are read as");
            return null;
        }
        if (!ClassUtils.isPresent(PayloadCodecs.JACKSON_CLASS, classLoader)) {
            problems.add(prefix + ".codec json needs Jackson 3 (tools.jackson.core:jackson-databind) on the classpath"
                    + " (was 'json')");
            return null;
        }
        try {
            return ClassUtils.forName(jsonType.strip(), classLoader);
        }
        catch (ClassNotFoundException | LinkageError ex) {
            problems.add(prefix + ".json-type must name a class on the classpath (was '" + jsonType + "')");
            return null;
        }
    }

    private static void checkInProcessPairs(List<PipeDefinition> pipes, Problems problems) {
        Map<String, List<String>> keysByName = new LinkedHashMap<>();
        for (PipeDefinition pipe : pipes) {
            if (pipe.transport() == Transport.IN_PROCESS) {
                keysByName.computeIfAbsent(pipe.rendezvousName(), (name) -> new ArrayList<>()).add(pipe.key());
            }
        }
        keysByName.forEach((name, keys) -> {
            if (keys.size() > 2) {
                problems.add(propertyPrefix("pipc.pipes", keys.get(2)) + ".name '" + name + "' is already taken by in-process pipes "
                        + keys.get(0) + " and " + keys.get(1) + ": an in-process pair has two ends");
            }
        });
    }

    private static <T> @Nullable T choice(String property, @Nullable String value, Map<String, T> choices,
            Problems problems) {
        String allowed = choices.keySet().stream().sorted(PipcDefinitions::inDocumentedOrder)
                .collect(Collectors.joining(", "));
        if (!StringUtils.hasText(value)) {
            problems.add(property + " is required: one of " + allowed);
            return null;
        }
        T choice = choices.get(value.strip().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (choice == null) {
            problems.add(property + " must be one of " + allowed + " (was '" + value + "')");
        }
        return choice;
    }

    /** Orders choices the way the documentation lists them, so that messages read the same. */
    private static int inDocumentedOrder(String left, String right) {
        List<String> order = List.of("in-process", "fifo", "unix", "tcp", "rendezvous", "connect", "bytes", "string",
                "json", "native", "python");
        return Integer.compare(order.indexOf(left), order.indexOf(right));
    }

    private static <E> Map<String, E> byValue(E[] values, Function<E, String> propertyValue) {
        return Arrays.stream(values).collect(Collectors.toMap(propertyValue, Function.identity()));
    }

    private static void port(String prefix, @Nullable Integer port, int lowest, Problems problems) {
        if (port == null) {
            problems.add(prefix + ".port is required for transport tcp"
                    + (lowest == 0 ? " (0 picks a free port)" : ""));
        }
        else if (port < lowest || port > 65535) {
            problems.add(prefix + ".port must be between " + lowest + " and 65535 (was " + port + ")");
        }
    }

    /**
     * A rendezvous listens on its local address: by default loopback for a loopback host and
     * every interface for any other, so without a secret or TLS both must be loopback. A TLS
     * rendezvous always requires the peer's certificate, so an SSL bundle is enough.
     *
     * @return the configured local address, resolved, or null
     */
    private static @Nullable InetAddress rendezvousAddresses(String prefix, PipcProperties.PipeEntry entry,
            Problems problems) {
        String configured = entry.getLocalAddress();
        String authenticate = howToAuthenticate(prefix, entry, true);
        if (configured == null) {
            if (authenticate != null) {
                requireLoopback(prefix, "host", entry.getHost(), "the rendezvous would listen on every interface",
                        authenticate, problems);
            }
            return null;
        }
        InetAddress local = resolve(prefix + ".local-address", configured, problems);
        if (local != null && !local.isLoopbackAddress() && authenticate != null) {
            problems.add(prefix + ".local-address is not a loopback address and the rendezvous would listen on it: "
                    + authenticate + ", or use a loopback address (was '" + configured + "')");
        }
        return local;
    }

    private static void requireLoopback(String prefix, String property, String host, String why, String authenticate,
            Problems problems) {
        InetAddress address = resolve(prefix + "." + property, host, problems);
        if (address != null && !address.isLoopbackAddress()) {
            problems.add(prefix + "." + property + " is not a loopback address and " + why + ": " + authenticate
                    + ", or use 127.0.0.1 (was '" + host + "')");
        }
    }

    /**
     * An end reachable from other hosts must authenticate its peers: with a secret, or with TLS
     * that requires their certificates. TLS that does not only encrypts.
     *
     * @param tlsChecksPeers whether TLS, with an SSL bundle, requires the peer's certificate
     *        (a server's {@code client-auth}; always for a rendezvous)
     * @return null when peers must authenticate, else what to set so that they must
     */
    private static @Nullable String howToAuthenticate(String prefix, PipcProperties.Entry entry, boolean tlsChecksPeers) {
        if (StringUtils.hasLength(entry.getSecret())) {
            return null;
        }
        if (StringUtils.hasText(entry.getSslBundle())) {
            return tlsChecksPeers ? null : prefix + ".ssl-bundle without " + prefix + ".client-auth=true authenticates"
                    + " no client (TLS then only encrypts): set " + prefix + ".client-auth=true or " + prefix + ".secret";
        }
        return "set " + prefix + ".secret or " + prefix + ".ssl-bundle" + (tlsChecksPeers ? "" : " with " + prefix
                + ".client-auth=true");
    }

    private static @Nullable InetAddress resolve(String property, String host, Problems problems) {
        if (!StringUtils.hasText(host)) {
            problems.add(property + " must not be empty (was '" + host + "')");
            return null;
        }
        try {
            return InetAddress.getByName(host.strip());
        }
        catch (UnknownHostException ex) {
            problems.add(property + " cannot be resolved (was '" + host + "')");
            return null;
        }
    }

    private static void atLeastOne(String property, int value, Problems problems) {
        if (value < 1) {
            problems.add(property + " must be at least 1 (was " + value + ")");
        }
    }

    private static void channelName(String property, @Nullable String name, Problems problems) {
        if (name != null && !StringUtils.hasText(name)) {
            problems.add(property + " must name a channel (was '" + name + "')");
        }
    }

    private static void notNegative(String property, Duration value, Problems problems) {
        if (value.isNegative()) {
            problems.add(property + " must not be negative (was " + format(value) + ")");
        }
    }

    private static void positive(String property, Duration value, Problems problems) {
        if (value.isNegative() || value.isZero()) {
            problems.add(property + " must be positive (was " + format(value) + ")");
        }
    }

    /**
     * @param map {@code pipc.pipes} or {@code pipc.servers}
     * @param key an entry's key
     * @return the prefix of the entry's properties as a user writes it: brackets around a key
     *         that is not in Boot's canonical form
     */
    static String propertyPrefix(String map, String key) {
        return map + (CANONICAL_KEY.matcher(key).matches() ? "." + key : ".[" + key + "]");
    }

    /** Prints a duration the way it is configured: {@code 30s}, {@code 500ms}, {@code -1s}. */
    static String format(Duration value) {
        long nanos = value.toNanos();
        if (nanos != 0) {
            for (Map.Entry<String, Long> unit : UNITS.entrySet()) {
                if (nanos % unit.getValue() == 0) {
                    return (nanos / unit.getValue()) + unit.getKey();
                }
            }
        }
        return (nanos == 0) ? "0s" : nanos + "ns";
    }

    private static String notApplicable(String prefix, String property, Transport transport) {
        return prefix + "." + property + " does not apply to transport " + transportValue(transport);
    }

    private static String transportValue(Transport transport) {
        return transport.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Collects problems so that one start reports all of them. */
    private static final class Problems {

        private final List<String> messages = new ArrayList<>();

        void add(String message) {
            this.messages.add(Objects.requireNonNull(message));
        }

        int count() {
            return this.messages.size();
        }

        void throwIfAny() {
            if (!this.messages.isEmpty()) {
                throw new InvalidPipcPropertiesException(this.messages);
            }
        }
    }
}
