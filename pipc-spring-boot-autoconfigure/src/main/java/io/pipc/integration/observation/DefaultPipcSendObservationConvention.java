package io.pipc.integration.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@link PipcSendObservationConvention}: named {@code pipc.message.send}, tagged by
 * the pipe's or server's name, transport and role ({@link
 * PipcObservationDocumentation.LowCardinalityKeyNames}), with the client's connection id (for a
 * server) on spans; the span is called "<i>name</i> send".
 */
public class DefaultPipcSendObservationConvention implements PipcSendObservationConvention {

    /** A shared instance. */
    public static final DefaultPipcSendObservationConvention INSTANCE = new DefaultPipcSendObservationConvention();

    @Override
    public String getName() {
        return "pipc.message.send";
    }

    @Override
    public String getContextualName(PipcSenderContext context) {
        return context.getOrigin().name() + " send";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(PipcSenderContext context) {
        return PipcObservationDocumentation.LowCardinalityKeyNames.of(context.getOrigin());
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(PipcSenderContext context) {
        return PipcObservationDocumentation.HighCardinalityKeyNames.of(null, context.getConnectionId());
    }
}
