package io.pipc.integration.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.transport.Kind;

/**
 * Names and tags the {@code pipc.request.send} observation: a request an outbound gateway sends,
 * until its reply comes. To replace {@link DefaultPipcRequestSendObservationConvention}, declare a
 * bean of this type (the auto-configuration gives it to its endpoints) or set it with {@link
 * io.pipc.integration.PipeOutboundGateway#setRequestSendObservationConvention}; extend the default
 * to keep its tags and add more.
 */
public interface PipcRequestSendObservationConvention extends ObservationConvention<PipcSenderContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof PipcSenderContext pipc && pipc.getKind() == Kind.CLIENT;
    }
}
