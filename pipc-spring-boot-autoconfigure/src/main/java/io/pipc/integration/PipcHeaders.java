package io.pipc.integration;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.pipc.Transport;

/**
 * Names of the message headers pipc's adapters and gateways set on messages they receive and
 * read from messages they write.
 */
public final class PipcHeaders {

    /** Prefix of every pipc header. */
    public static final String PREFIX = "pipc_";

    /** The name of the pipe, or of the server, a message was read from. */
    public static final String PIPE_NAME = PREFIX + "pipeName";

    /**
     * The client connection of a server a message was read from; on a message written
     * through a server, the client it goes to.
     */
    public static final String CONNECTION_ID = PREFIX + "connectionId";

    /** The transport a message came over: {@code in-process}, {@code fifo}, {@code unix} or {@code tcp}. */
    public static final String TRANSPORT = PREFIX + "transport";

    /** The wire's correlation id, which ties a reply to its request; read and written. */
    public static final String CORRELATION_ID = PREFIX + "correlationId";

    /** The wire's content type of the payload; read and written. */
    public static final String CONTENT_TYPE = PREFIX + "contentType";

    /** Spelled once: every message read carries one. */
    private static final Map<Transport, String> TRANSPORT_NAMES = spellings();

    private PipcHeaders() {
    }

    /**
     * @param transport a transport
     * @return its value of {@link #TRANSPORT}, as configuration spells it: {@code in-process},
     *         {@code fifo}, {@code unix}, {@code tcp}; metrics tag and health report it the same
     */
    public static String transport(Transport transport) {
        return Objects.requireNonNull(TRANSPORT_NAMES.get(transport), "transport");
    }

    private static Map<Transport, String> spellings() {
        Map<Transport, String> names = new EnumMap<>(Transport.class);
        for (Transport transport : Transport.values()) {
            names.put(transport, transport.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return names;
    }
}
