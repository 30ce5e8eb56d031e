package io.pipc.integration.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.transport.Kind;

/**
 * Names and tags the {@code pipc.message.receive} observation: a message an inbound channel
 * adapter reads. To replace {@link DefaultPipcReceiveObservationConvention}, declare a bean of
 * this type (the auto-configuration gives it to its endpoints) or set it with {@link
 * io.pipc.integration.PipeInboundChannelAdapter#setReceiveObservationConvention}; extend the
 * default to keep its tags and add more.
 */
public interface PipcReceiveObservationConvention extends ObservationConvention<PipcReceiverContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof PipcReceiverContext pipc && pipc.getKind() == Kind.CONSUMER;
    }
}
