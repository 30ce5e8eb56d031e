package io.pipc.integration.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@link PipcReceiveObservationConvention}: named {@code pipc.message.receive}, tagged
 * by the pipe's or server's name, transport and role ({@link
 * PipcObservationDocumentation.LowCardinalityKeyNames}), with the client's connection id (for a
 * server) on spans; the span is called "<i>name</i> receive".
 */
public class DefaultPipcReceiveObservationConvention implements PipcReceiveObservationConvention {

    /** A shared instance. */
    public static final DefaultPipcReceiveObservationConvention INSTANCE = new DefaultPipcReceiveObservationConvention();

    @Override
    public String getName() {
        return "pipc.message.receive";
    }

    @Override
    public String getContextualName(PipcReceiverContext context) {
        return context.getOrigin().name() + " receive";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(PipcReceiverContext context) {
        return PipcObservationDocumentation.LowCardinalityKeyNames.of(context.getOrigin());
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(PipcReceiverContext context) {
        return PipcObservationDocumentation.HighCardinalityKeyNames.of(null, context.getConnectionId());
    }
}
