package io.pipc.integration.dsl;

import java.time.Duration;
import java.util.Map;

import io.micrometer.observation.ObservationRegistry;
import io.pipc.Codec;
import io.pipc.integration.PipcHeaderMapper;
import io.pipc.integration.PipeOutboundGateway;
import io.pipc.integration.observation.PipcRequestSendObservationConvention;

import org.springframework.integration.dsl.MessageHandlerSpec;
import org.springframework.integration.mapping.HeaderMapper;

/**
 * Configures a {@link PipeOutboundGateway} in an {@code IntegrationFlow}.
 */
public final class PipcOutboundGatewaySpec extends MessageHandlerSpec<PipcOutboundGatewaySpec, PipeOutboundGateway> {

    PipcOutboundGatewaySpec(PipeOutboundGateway gateway) {
        this.target = gateway;
    }

    /**
     * @param codec encodes requests and decodes replies
     * @return this spec
     */
    public PipcOutboundGatewaySpec codec(Codec<?> codec) {
        this.target.setCodec(codec);
        return this;
    }

    /**
     * @param observationRegistry where each request sent is observed as {@code pipc.request.send}; by default none
     * @return this spec
     */
    public PipcOutboundGatewaySpec observationRegistry(ObservationRegistry observationRegistry) {
        this.target.setObservationRegistry(observationRegistry);
        return this;
    }

    /**
     * @param convention names and tags the {@code pipc.request.send} observation in place of the default
     * @return this spec
     */
    public PipcOutboundGatewaySpec requestSendObservationConvention(PipcRequestSendObservationConvention convention) {
        this.target.setRequestSendObservationConvention(convention);
        return this;
    }

    /**
     * @param headerMapper chooses which message headers cross the pipe as application headers
     *        and which received ones are set; by default a {@link PipcHeaderMapper} (trace context only)
     * @return this spec
     */
    public PipcOutboundGatewaySpec headerMapper(HeaderMapper<Map<String, String>> headerMapper) {
        this.target.setHeaderMapper(headerMapper);
        return this;
    }

    /**
     * @param replyTimeout how long a request waits for its reply
     * @return this spec
     */
    public PipcOutboundGatewaySpec replyTimeout(Duration replyTimeout) {
        this.target.setReplyTimeout(replyTimeout);
        return this;
    }

    /**
     * @param replySpin how long a calling thread may spin for its reply before it parks; zero
     *        to park at once (see {@link PipeOutboundGateway#setReplySpin(Duration)})
     * @return this spec
     */
    public PipcOutboundGatewaySpec replySpin(Duration replySpin) {
        this.target.setReplySpin(replySpin);
        return this;
    }

    /**
     * @param async whether the calling thread goes on at once, the reply produced when it arrives
     * @return this spec
     */
    public PipcOutboundGatewaySpec async(boolean async) {
        this.target.setAsync(async);
        return this;
    }
}
