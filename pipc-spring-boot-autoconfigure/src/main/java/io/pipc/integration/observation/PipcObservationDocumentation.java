package io.pipc.integration.observation;

import java.util.Locale;

import io.micrometer.common.KeyValues;
import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;
import io.pipc.integration.PipcHeaders;
import io.pipc.integration.PipeMetrics;

import org.jspecify.annotations.Nullable;

/**
 * The observations of pipc's endpoints: their names, kinds and keys. Every one is tagged by
 * the pipe's or server's name, its transport and its role (low cardinality, so also on the
 * timers Micrometer makes of them); never by a connection id, which goes only on spans.
 */
public enum PipcObservationDocumentation implements ObservationDocumentation {

    /**
     * A message written by an outbound channel adapter (a producer), from the message handed to
     * the adapter until it is written to the pipe or to the server's client.
     */
    MESSAGE_SEND(DefaultPipcSendObservationConvention.class, HighCardinalityKeyNames.CONNECTION_ID),

    /**
     * A message read by an inbound channel adapter (a consumer), from the message read until the
     * flow it was sent to returns.
     */
    MESSAGE_RECEIVE(DefaultPipcReceiveObservationConvention.class, HighCardinalityKeyNames.CONNECTION_ID),

    /**
     * A request of an outbound gateway (the client side), from the request handed to the
     * gateway until its reply arrives, or the request fails or times out.
     */
    REQUEST_SEND(DefaultPipcRequestSendObservationConvention.class, HighCardinalityKeyNames.CORRELATION_ID),

    /**
     * A request read by an inbound gateway (the server side), from the request read until the
     * flow's reply is written back, or the flow fails or its reply times out.
     */
    REQUEST_RECEIVE(DefaultPipcRequestReceiveObservationConvention.class, HighCardinalityKeyNames.CORRELATION_ID,
            HighCardinalityKeyNames.CONNECTION_ID);

    private final Class<? extends ObservationConvention<? extends Observation.Context>> defaultConvention;

    private final KeyName[] highCardinalityKeyNames;

    PipcObservationDocumentation(Class<? extends ObservationConvention<? extends Observation.Context>> defaultConvention,
            KeyName... highCardinalityKeyNames) {
        this.defaultConvention = defaultConvention;
        this.highCardinalityKeyNames = highCardinalityKeyNames;
    }

    @Override
    public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
        return this.defaultConvention;
    }

    @Override
    public KeyName[] getLowCardinalityKeyNames() {
        return LowCardinalityKeyNames.values();
    }

    @Override
    public KeyName[] getHighCardinalityKeyNames() {
        return this.highCardinalityKeyNames.clone();
    }

    /** The keys of every pipc observation, few values each. */
    public enum LowCardinalityKeyNames implements KeyName {

        /** The pipe's or server's name: the key of its entry under {@code pipc.pipes} or {@code pipc.servers}. */
        NAME("pipc.name"),

        /** The transport, spelled as in the {@code pipc_transport} header: {@code tcp}, {@code fifo}, ... */
        TRANSPORT("pipc.transport"),

        /** {@code pipe} (one peer) or {@code server} (many clients). */
        ROLE("pipc.role");

        private final String key;

        LowCardinalityKeyNames(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return this.key;
        }

        /**
         * @param origin a pipe or server
         * @return its name, transport and role
         */
        static KeyValues of(PipeMetrics.Origin origin) {
            return KeyValues.of(NAME.withValue(origin.name()),
                    TRANSPORT.withValue(PipcHeaders.transport(origin.transport())),
                    ROLE.withValue(origin.role().name().toLowerCase(Locale.ROOT)));
        }
    }

    /** Keys with a value per message or connection: on spans only, never on meters. */
    public enum HighCardinalityKeyNames implements KeyName {

        /** The correlation id that ties a request to its reply. */
        CORRELATION_ID("pipc.correlation.id"),

        /** A server's client connection that sent the message or is sent it. */
        CONNECTION_ID("pipc.connection.id");

        private final String key;

        HighCardinalityKeyNames(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return this.key;
        }

        /**
         * @param correlationId a correlation id, or null
         * @param connectionId a connection id, or null
         * @return those that are set
         */
        static KeyValues of(@Nullable String correlationId, @Nullable String connectionId) {
            KeyValues values = KeyValues.empty();
            if (correlationId != null) {
                values = values.and(CORRELATION_ID.withValue(correlationId));
            }
            if (connectionId != null) {
                values = values.and(CONNECTION_ID.withValue(connectionId));
            }
            return values;
        }
    }
}
