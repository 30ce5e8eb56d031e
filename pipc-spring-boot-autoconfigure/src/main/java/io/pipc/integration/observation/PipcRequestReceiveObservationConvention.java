package io.pipc.integration.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.transport.Kind;

/**
 * Names and tags the {@code pipc.request.receive} observation: a request an inbound gateway reads,
 * handles and answers. To replace {@link DefaultPipcRequestReceiveObservationConvention}, declare
 * a bean of this type (the auto-configuration gives it to its endpoints) or set it with {@link
 * io.pipc.integration.PipeInboundGateway#setRequestReceiveObservationConvention}; extend the
 * default to keep its tags and add more.
 */
public interface PipcRequestReceiveObservationConvention extends ObservationConvention<PipcReceiverContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof PipcReceiverContext pipc && pipc.getKind() == Kind.SERVER;
    }
}
