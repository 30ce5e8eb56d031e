package io.pipc.integration.dsl;

import java.time.Duration;
import java.util.Map;

import io.pipc.Codec;
import io.pipc.integration.PipeInboundChannelAdapter;
import io.pipc.integration.ServerConnections;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.dsl.ComponentsRegistration;
import org.springframework.integration.dsl.MessageProducerSpec;

/**
 * Configures a {@link PipeInboundChannelAdapter} in an {@code IntegrationFlow}.
 */
public final class PipcInboundChannelAdapterSpec
        extends MessageProducerSpec<PipcInboundChannelAdapterSpec, PipeInboundChannelAdapter>
        implements ComponentsRegistration {

    private final @Nullable ServerConnections connectionsToRegister;

    PipcInboundChannelAdapterSpec(PipeInboundChannelAdapter adapter, @Nullable ServerConnections connectionsToRegister) {
        super(adapter);
        this.connectionsToRegister = connectionsToRegister;
    }

    /**
     * @param codec decodes payloads; by default they are {@code byte[]}
     * @return this spec
     */
    public PipcInboundChannelAdapterSpec codec(Codec<?> codec) {
        this.target.setCodec(codec);
        return this;
    }

    /**
     * @param gracePeriod how long a stop may take to send the messages already received
     * @return this spec
     */
    public PipcInboundChannelAdapterSpec shutdownGracePeriod(Duration gracePeriod) {
        this.target.setShutdownGracePeriod(gracePeriod);
        if (this.connectionsToRegister != null) {
            this.connectionsToRegister.setShutdownGracePeriod(gracePeriod);
        }
        return this;
    }

    @Override
    public Map<Object, @Nullable String> getComponentsToRegister() {
        return Registrations.of(this.connectionsToRegister);
    }
}
