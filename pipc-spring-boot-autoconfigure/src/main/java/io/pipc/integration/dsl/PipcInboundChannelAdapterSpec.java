package io.pipc.integration.dsl;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;
import io.pipc.Codec;
import io.pipc.integration.PipcHeaderMapper;
import io.pipc.integration.PipeInboundChannelAdapter;
import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.observation.PipcReceiveObservationConvention;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.dsl.ComponentsRegistration;
import org.springframework.integration.dsl.MessageProducerSpec;
import org.springframework.integration.mapping.HeaderMapper;

/**
 * Configures a {@link PipeInboundChannelAdapter} in an {@code IntegrationFlow}.
 */
public final class PipcInboundChannelAdapterSpec
        extends MessageProducerSpec<PipcInboundChannelAdapterSpec, PipeInboundChannelAdapter>
        implements ComponentsRegistration {

    private final @Nullable ServerConnections connectionsToRegister;

    private final @Nullable SharedPipe pipe;

    PipcInboundChannelAdapterSpec(PipeInboundChannelAdapter adapter, @Nullable ServerConnections connectionsToRegister, @Nullable SharedPipe pipe) {
        super(adapter);
        this.connectionsToRegister = connectionsToRegister;
        this.pipe = pipe;
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
     * @param observationRegistry where each message received is observed as {@code pipc.message.receive}; by default none
     * @return this spec
     */
    public PipcInboundChannelAdapterSpec observationRegistry(ObservationRegistry observationRegistry) {
        this.target.setObservationRegistry(observationRegistry);
        return this;
    }

    /**
     * @param convention names and tags the {@code pipc.message.receive} observation in place of the default
     * @return this spec
     */
    public PipcInboundChannelAdapterSpec receiveObservationConvention(PipcReceiveObservationConvention convention) {
        this.target.setReceiveObservationConvention(convention);
        return this;
    }

    /**
     * @param headerMapper chooses which message headers cross the pipe as application headers
     *        and which received ones are set; by default a {@link PipcHeaderMapper} (trace context only)
     * @return this spec
     */
    public PipcInboundChannelAdapterSpec headerMapper(HeaderMapper<Map<String, String>> headerMapper) {
        this.target.setHeaderMapper(headerMapper);
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

    /**
     * For a spec made from a {@code PipeServer} with no {@linkplain #taskExecutor task executor}:
     * the threads of the pool that hands its clients' messages to the flow; default 64.
     *
     * @param handlerThreads at least 1
     * @return this spec
     * @throws IllegalStateException for a spec made from a pipe or from {@link ServerConnections}
     *         (set it on those connections)
     */
    public PipcInboundChannelAdapterSpec handlerThreads(int handlerThreads) {
        Registrations.toConfigure(this.connectionsToRegister, "handlerThreads", "a pipe has no handler threads")
                .setHandlerThreads(handlerThreads);
        return this;
    }

    /**
     * The executor whose tasks hand messages to the flow. For a spec made from a
     * {@code PipeServer}: its clients' messages, instead of a pool of
     * {@linkplain #handlerThreads handler threads}. For a spec made from a pipe: a Unix socket or
     * TCP pipe opened with its {@link SharedPipe#messageSink()} hands its messages (all but
     * replies) over on it, one task at a time (other pipes are read by a thread of their own).
     * The application keeps it (it is not shut down with the server or pipe).
     *
     * @param taskExecutor the executor, e.g. a bean of the application's
     * @return this spec
     * @throws IllegalStateException for a spec made from {@link ServerConnections} (set it on
     *         those connections)
     */
    public PipcInboundChannelAdapterSpec taskExecutor(Executor taskExecutor) {
        Registrations.setTaskExecutor(this.connectionsToRegister, this.pipe, taskExecutor);
        return this;
    }

    @Override
    public Map<Object, @Nullable String> getComponentsToRegister() {
        return Registrations.of(this.connectionsToRegister);
    }
}
