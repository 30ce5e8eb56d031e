package io.pipc.integration.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@link PipcRequestReceiveObservationConvention}: named {@code pipc.request.receive},
 * tagged by the pipe's or server's name, transport and role ({@link
 * PipcObservationDocumentation.LowCardinalityKeyNames}), with the correlation id and the client's
 * connection id (for a server) on spans; the span is called "<i>name</i> request".
 */
public class DefaultPipcRequestReceiveObservationConvention implements PipcRequestReceiveObservationConvention {

    /** A shared instance. */
    public static final DefaultPipcRequestReceiveObservationConvention INSTANCE =
            new DefaultPipcRequestReceiveObservationConvention();

    @Override
    public String getName() {
        return "pipc.request.receive";
    }

    @Override
    public String getContextualName(PipcReceiverContext context) {
        return context.getOrigin().name() + " request";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(PipcReceiverContext context) {
        return PipcObservationDocumentation.LowCardinalityKeyNames.of(context.getOrigin());
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(PipcReceiverContext context) {
        return PipcObservationDocumentation.HighCardinalityKeyNames.of(context.getEnvelope().correlationId(),
                context.getConnectionId());
    }
}
