package io.pipc.integration.dsl;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;

import io.micrometer.observation.ObservationRegistry;
import io.pipc.Codec;
import io.pipc.integration.PipcHeaderMapper;
import io.pipc.integration.PipeInboundGateway;
import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.observation.PipcRequestReceiveObservationConvention;

import org.jspecify.annotations.Nullable;

import org.springframework.integration.dsl.ComponentsRegistration;
import org.springframework.integration.dsl.MessagingGatewaySpec;
import org.springframework.integration.mapping.HeaderMapper;

/**
 * Configures a {@link PipeInboundGateway} in an {@code IntegrationFlow}.
 */
public final class PipcInboundGatewaySpec extends MessagingGatewaySpec<PipcInboundGatewaySpec, PipeInboundGateway>
        implements ComponentsRegistration {

    private final @Nullable ServerConnections connectionsToRegister;

    private final @Nullable SharedPipe pipe;

    PipcInboundGatewaySpec(PipeInboundGateway gateway, @Nullable ServerConnections connectionsToRegister, @Nullable SharedPipe pipe) {
        super(gateway);
        this.connectionsToRegister = connectionsToRegister;
        this.pipe = pipe;
    }

    /**
     * @param codec decodes requests and encodes replies; by default payloads are {@code byte[]}
     * @return this spec
     */
    public PipcInboundGatewaySpec codec(Codec<?> codec) {
        this.target.setCodec(codec);
        return this;
    }

    /**
     * @param observationRegistry where each request received is observed as {@code pipc.request.receive}; by default none
     * @return this spec
     */
    public PipcInboundGatewaySpec observationRegistry(ObservationRegistry observationRegistry) {
        this.target.setObservationRegistry(observationRegistry);
        return this;
    }

    /**
     * @param convention names and tags the {@code pipc.request.receive} observation in place of the default
     * @return this spec
     */
    public PipcInboundGatewaySpec requestReceiveObservationConvention(PipcRequestReceiveObservationConvention convention) {
        this.target.setRequestReceiveObservationConvention(convention);
        return this;
    }

    /**
     * @param headerMapper chooses which message headers cross the pipe as application headers
     *        and which received ones are set; by default a {@link PipcHeaderMapper} (trace context only)
     * @return this spec
     */
    public PipcInboundGatewaySpec headerMapper(HeaderMapper<Map<String, String>> headerMapper) {
        this.target.setHeaderMapper(headerMapper);
        return this;
    }

    /**
     * @param replyTimeout how long to wait for the flow's reply before giving the request up
     * @return this spec
     */
    public PipcInboundGatewaySpec replyTimeout(Duration replyTimeout) {
        this.target.setReplyTimeout(replyTimeout);
        return this;
    }

    /**
     * @param maxInFlight how many requests may be handled at once before reading waits
     * @return this spec
     */
    public PipcInboundGatewaySpec maxInFlight(int maxInFlight) {
        this.target.setMaxInFlight(maxInFlight);
        return this;
    }

    /**
     * @param gracePeriod how long a stop may take to answer the requests already received
     * @return this spec
     */
    public PipcInboundGatewaySpec shutdownGracePeriod(Duration gracePeriod) {
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
    public PipcInboundGatewaySpec handlerThreads(int handlerThreads) {
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
    public PipcInboundGatewaySpec taskExecutor(Executor taskExecutor) {
        Registrations.setTaskExecutor(this.connectionsToRegister, this.pipe, taskExecutor);
        return this;
    }

    @Override
    public Map<Object, @Nullable String> getComponentsToRegister() {
        return Registrations.of(this.connectionsToRegister);
    }
}
