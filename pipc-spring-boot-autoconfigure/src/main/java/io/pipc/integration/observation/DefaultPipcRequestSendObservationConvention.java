package io.pipc.integration.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@link PipcRequestSendObservationConvention}: named {@code pipc.request.send},
 * tagged by the pipe's or server's name, transport and role ({@link
 * PipcObservationDocumentation.LowCardinalityKeyNames}), with the correlation id on spans; the
 * span is called "<i>name</i> request".
 */
public class DefaultPipcRequestSendObservationConvention implements PipcRequestSendObservationConvention {

    /** A shared instance. */
    public static final DefaultPipcRequestSendObservationConvention INSTANCE =
            new DefaultPipcRequestSendObservationConvention();

    @Override
    public String getName() {
        return "pipc.request.send";
    }

    @Override
    public String getContextualName(PipcSenderContext context) {
        return context.getOrigin().name() + " request";
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(PipcSenderContext context) {
        return PipcObservationDocumentation.LowCardinalityKeyNames.of(context.getOrigin());
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(PipcSenderContext context) {
        return PipcObservationDocumentation.HighCardinalityKeyNames.of(context.getCorrelationId(), null);
    }
}
