package io.pipc.integration.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.transport.Kind;

/**
 * Names and tags the {@code pipc.message.send} observation: a message an outbound channel adapter
 * writes. To replace {@link DefaultPipcSendObservationConvention}, declare a bean of this type
 * (the auto-configuration gives it to its endpoints) or set it with {@link
 * io.pipc.integration.PipeOutboundChannelAdapter#setSendObservationConvention}; extend the default
 * to keep its tags and add more.
 */
public interface PipcSendObservationConvention extends ObservationConvention<PipcSenderContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof PipcSenderContext pipc && pipc.getKind() == Kind.PRODUCER;
    }
}
