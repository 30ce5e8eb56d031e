package io.pipc.boot.autoconfigure;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.pipc.Transport;
import io.pipc.Wire;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * The pipes and servers of {@link PipcProperties}, checked. Every rule lives here, so that a
 * configuration that cannot work fails the start with one {@link InvalidPipcPropertiesException}
 * naming each wrong property and its value, before anything opens. Nothing here touches the
 * network but the loopback checks of host names, which resolve them.
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

    /** The transports of a pipe, in the order the documentation lists them. */
    static final Set<Transport> PIPE_TRANSPORTS = EnumSet.of(Transport.IN_PROCESS, Transport.FIFO, Transport.UNIX,
            Transport.TCP);

    /** The transports of a server. */
    static final Set<Transport> SERVER_TRANSPORTS = EnumSet.of(Transport.UNIX, Transport.TCP);

    private static final Pattern CANONICAL_KEY = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /** The units {@link #format(Duration)} may print in, largest first. */
    private static final List<ChronoUnit> DURATION_UNITS = List.of(ChronoUnit.DAYS, ChronoUnit.HOURS,
            ChronoUnit.MINUTES, ChronoUnit.SECONDS, ChronoUnit.MILLIS, ChronoUnit.MICROS, ChronoUnit.NANOS);

    /**
     * @return whether no pipe and no server is configured
     */
    boolean isEmpty() {
        return this.pipes.isEmpty() && this.servers.isEmpty();
    }

    /**
     * Checks every entry.
     *
     * @param properties the bound properties
     * @param classLoader where {@code json-type} classes are looked up
     * @return the definitions
     * @throws InvalidPipcPropertiesException naming every problem found
     */
    static PipcDefinitions resolve(PipcProperties properties, @Nullable ClassLoader classLoader) {
        return resolve(properties, classLoader, List.of());
    }

    /**
     * Checks every entry, after the binding found problems of its own.
     *
     * @param properties the bound properties
     * @param classLoader where {@code json-type} classes are looked up
     * @param bindingProblems what the binding refused: these come first, and the rules say
     *        nothing more about the properties they name, which were left at their defaults
     * @return the definitions
     * @throws InvalidPipcPropertiesException naming every problem found
     */
    static PipcDefinitions resolve(PipcProperties properties, @Nullable ClassLoader classLoader,
            List<BindingProblem> bindingProblems) {
        Problems problems = new Problems(bindingProblems);
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
        Transport transport = kind(prefix + ".transport", entry.getTransport(), PIPE_TRANSPORTS, problems);
        String name = (entry.getName() != null) ? entry.getName() : key;
        TcpMode mode = kind(prefix + ".mode", entry.getMode(), EnumSet.allOf(TcpMode.class), problems);
        checkCommon(prefix, entry, problems);
        CodecType codec = kind(prefix + ".codec", entry.getCodec(), EnumSet.allOf(CodecType.class), problems);
        Class<?> jsonType = jsonType(prefix, codec, entry.getJsonType(), classLoader, problems);
        Wire wire = kind(prefix + ".wire", entry.getWire(), EnumSet.allOf(Wire.class), problems);
        notNegative(prefix + ".connect-timeout", entry.getConnectTimeout(), problems);
        notNegative(prefix + ".reply-spin", entry.getReplySpin(), problems);
        checkBackoff(prefix + ".backoff", entry.getBackoff(), problems);
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
        Transport transport = kind(prefix + ".transport", entry.getTransport(), SERVER_TRANSPORTS, problems);
        checkCommon(prefix, entry, problems);
        CodecType codec = kind(prefix + ".codec", entry.getCodec(), EnumSet.allOf(CodecType.class), problems);
        Class<?> jsonType = jsonType(prefix, codec, entry.getJsonType(), classLoader, problems);
        Wire wire = kind(prefix + ".wire", entry.getWire(), EnumSet.allOf(Wire.class), problems);
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
                problems.add(prefix + ".json-type applies only to codec json (codec is '" + propertyValue(codec) + "')");
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

    /**
     * @param value the bound value: null when the property is unset or empty
     * @param allowed the values this entry may take, in the order the documentation lists them
     * @return the value when allowed, else null
     */
    private static <E extends Enum<E>> @Nullable E kind(String property, @Nullable E value, Set<E> allowed,
            Problems problems) {
        if (value == null) {
            problems.add(property + " is required: one of " + oneOf(allowed));
            return null;
        }
        if (!allowed.contains(value)) {
            problems.add(property + " must be one of " + oneOf(allowed) + " (was '" + propertyValue(value) + "')");
            return null;
        }
        return value;
    }

    private static String oneOf(Set<? extends Enum<?>> values) {
        return values.stream().map(PipcDefinitions::propertyValue).collect(Collectors.joining(", "));
    }

    /**
     * @param value a kind
     * @return the value as configuration spells it: {@code in-process}, {@code rendezvous}
     */
    static String propertyValue(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
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

    private static void checkBackoff(String prefix, PipcProperties.Backoff backoff, Problems problems) {
        positive(prefix + ".initial-interval", backoff.getInitialInterval(), problems);
        if (backoff.getMaxInterval().compareTo(backoff.getInitialInterval()) < 0) {
            problems.add(prefix + ".max-interval must be at least " + prefix + ".initial-interval ("
                    + format(backoff.getInitialInterval()) + ") (was " + format(backoff.getMaxInterval()) + ")");
        }
        if (!(backoff.getMultiplier() >= 1.0)) {
            problems.add(prefix + ".multiplier must be at least 1 (was " + backoff.getMultiplier() + ")");
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

    /**
     * @param name a property under {@code pipc}
     * @return the property as a user writes it, as {@link #propertyPrefix} writes an entry's prefix
     */
    static String propertyName(ConfigurationPropertyName name) {
        if (name.getNumberOfElements() < 3) {
            return name.toString();
        }
        StringBuilder property = new StringBuilder(propertyPrefix(
                name.getElement(0, Form.DASHED) + "." + name.getElement(1, Form.DASHED), name.getElement(2, Form.ORIGINAL)));
        for (int i = 3; i < name.getNumberOfElements(); i++) {
            property.append('.').append(name.getElement(i, Form.DASHED));
        }
        return property.toString();
    }

    /**
     * Prints a duration in Boot's simple style, in the largest unit that shows it exactly, as
     * one would configure it: {@code 30s}, {@code 500ms}, {@code -1s}.
     */
    static String format(Duration value) {
        ChronoUnit unit = DURATION_UNITS.stream()
                .filter((candidate) -> value.toNanos() % candidate.getDuration().toNanos() == 0)
                .findFirst().orElse(ChronoUnit.NANOS);
        return DurationStyle.SIMPLE.print(value, (value.isZero() ? ChronoUnit.SECONDS : unit));
    }

    private static String notApplicable(String prefix, String property, Transport transport) {
        return prefix + "." + property + " does not apply to transport " + propertyValue(transport);
    }

    /**
     * A property the binding refused: a key that is no property, or a value that cannot be read.
     *
     * @param property the property as a user writes it
     * @param message the sentence that says so, starting with the property
     */
    record BindingProblem(String property, String message) {

        /**
         * @param property a property that is not one of pipc's
         * @param value its value, as configured
         * @return the problem
         */
        static BindingProblem unknown(String property, @Nullable Object value) {
            return new BindingProblem(property, property + " is not a pipc property" + was(value));
        }

        /**
         * @param property a property whose value cannot be read
         * @param type what it is bound to
         * @param value its value, as configured
         * @return the problem, saying what the value may be
         */
        static BindingProblem unreadable(String property, Class<?> type, @Nullable Object value) {
            return new BindingProblem(property, property + " " + expected(property, type) + was(value));
        }

        private static String expected(String property, Class<?> type) {
            if (type == Transport.class) {
                return "must be one of " + oneOf(property.startsWith("pipc.servers") ? SERVER_TRANSPORTS : PIPE_TRANSPORTS);
            }
            if (type.isEnum()) {
                return "must be one of " + Arrays.stream(type.getEnumConstants())
                        .map((constant) -> propertyValue((Enum<?>) constant)).collect(Collectors.joining(", "));
            }
            if (type == Duration.class) {
                return "must be a duration such as 30s, 500ms or PT30S";
            }
            if (type == DataSize.class) {
                return "must be a size such as 8MB or 512KB";
            }
            if (type == int.class || type == Integer.class) {
                return "must be a whole number";
            }
            if (type == boolean.class || type == Boolean.class) {
                return "must be true or false";
            }
            return "cannot be read as " + ClassUtils.getShortName(type);
        }

        private static String was(@Nullable Object value) {
            return (value != null) ? " (was '" + value + "')" : "";
        }
    }

    /** Collects problems so that one start reports all of them. */
    private static final class Problems {

        private final List<String> messages = new ArrayList<>();

        private final List<String> refusedByBinding = new ArrayList<>();

        Problems(List<BindingProblem> bindingProblems) {
            for (BindingProblem problem : bindingProblems) {
                this.messages.add(problem.message());
                this.refusedByBinding.add(problem.property());
            }
        }

        /**
         * Adds a problem, unless it is about a property the binding refused: that property was
         * left at its default, which the rules would otherwise report a second time.
         */
        void add(String message) {
            Objects.requireNonNull(message);
            for (String refused : this.refusedByBinding) {
                if (message.startsWith(refused + " ")) {
                    return;
                }
            }
            this.messages.add(message);
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
