package io.pipc.integration.dsl;

import io.pipc.Codec;
import io.pipc.integration.PipeOutboundChannelAdapter;

import org.springframework.integration.dsl.MessageHandlerSpec;

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
}
