package io.pipc.integration.dsl;

import java.util.Map;

import io.micrometer.observation.ObservationRegistry;
import io.pipc.Codec;
import io.pipc.integration.PipcHeaderMapper;
import io.pipc.integration.PipeOutboundChannelAdapter;
import io.pipc.integration.observation.PipcSendObservationConvention;

import org.springframework.integration.dsl.MessageHandlerSpec;
import org.springframework.integration.mapping.HeaderMapper;

/**
 * Configures a {@link PipeOutboundChannelAdapter} in an {@code IntegrationFlow}.
 */
public final class PipcOutboundChannelAdapterSpec
        extends MessageHandlerSpec<PipcOutboundChannelAdapterSpec, PipeOutboundChannelAdapter> {

    PipcOutboundChannelAdapterSpec(PipeOutboundChannelAdapter adapter) {
        this.target = adapter;
    }

    /**
     * @param codec encodes payloads that are not {@code byte[]}
     * @return this spec
     */
    public PipcOutboundChannelAdapterSpec codec(Codec<?> codec) {
        this.target.setCodec(codec);
        return this;
    }

    /**
     * @param observationRegistry where each message written is observed as {@code pipc.message.send}; by default none
     * @return this spec
     */
    public PipcOutboundChannelAdapterSpec observationRegistry(ObservationRegistry observationRegistry) {
        this.target.setObservationRegistry(observationRegistry);
        return this;
    }

    /**
     * @param convention names and tags the {@code pipc.message.send} observation in place of the default
     * @return this spec
     */
    public PipcOutboundChannelAdapterSpec sendObservationConvention(PipcSendObservationConvention convention) {
        this.target.setSendObservationConvention(convention);
        return this;
    }

    /**
     * @param headerMapper chooses which message headers cross the pipe as application headers
     *        and which received ones are set; by default a {@link PipcHeaderMapper} (trace context only)
     * @return this spec
     */
    public PipcOutboundChannelAdapterSpec headerMapper(HeaderMapper<Map<String, String>> headerMapper) {
        this.target.setHeaderMapper(headerMapper);
        return this;
    }
}
