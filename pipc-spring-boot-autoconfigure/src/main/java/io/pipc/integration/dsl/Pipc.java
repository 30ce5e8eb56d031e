package io.pipc.integration.dsl;

import io.pipc.Pipe;
import io.pipc.PipeServer;
import io.pipc.integration.PipeInboundChannelAdapter;
import io.pipc.integration.PipeInboundGateway;
import io.pipc.integration.PipeOutboundChannelAdapter;
import io.pipc.integration.PipeOutboundGateway;
import io.pipc.integration.ServerConnections;
import io.pipc.integration.SharedPipe;

/**
 * The Java DSL for pipc endpoints, in the manner of Spring Integration's {@code Tcp}:
 *
 * <pre>{@code
 * @Bean
 * IntegrationFlow orders(Pipe ordersPipe) {
 *     return IntegrationFlow.from(Pipc.inboundAdapter(ordersPipe).codec(Codecs.string()))
 *             .handle(orderService, "accept")
 *             .get();
 * }
 *
 * @Bean
 * IntegrationFlow api(PipeServer apiServer) {
 *     return IntegrationFlow.from(Pipc.inboundGateway(apiServer))
 *             .transform(String.class, String::toUpperCase)
 *             .get();
 * }
 * }</pre>
 *
 * <p>An endpoint on a {@link PipeServer} needs a {@link ServerConnections}: the methods taking
 * a server make one and register it with the flow. To have an inbound endpoint and an outbound
 * adapter on the same server (replies and pushes to its clients), make the
 * {@code ServerConnections} a bean with {@link #serverConnections(PipeServer)} and give it to both.
 * Likewise, an inbound endpoint and an outbound gateway on one pipe must be given the same
 * {@link io.pipc.integration.SharedPipe}.
 */
public final class Pipc {

    private Pipc() {
    }

    /**
     * @param pipe the pipe to read
     * @return a spec for an adapter that sends every message read to the flow
     */
    public static PipcInboundChannelAdapterSpec inboundAdapter(Pipe pipe) {
        SharedPipe shared = SharedPipe.of(pipe);
        return new PipcInboundChannelAdapterSpec(new PipeInboundChannelAdapter(shared), null, shared);
    }

    /**
     * @param server the server whose clients to read; its connections are registered with the flow
     * @return a spec for an adapter that sends every message any client sends to the flow
     */
    public static PipcInboundChannelAdapterSpec inboundAdapter(PipeServer server) {
        ServerConnections connections = new ServerConnections(server);
        return new PipcInboundChannelAdapterSpec(new PipeInboundChannelAdapter(connections), connections, null);
    }

    /**
     * @param connections the clients of a server, a bean of the context
     * @return a spec for an adapter that sends every message any client sends to the flow
     */
    public static PipcInboundChannelAdapterSpec inboundAdapter(ServerConnections connections) {
        return new PipcInboundChannelAdapterSpec(new PipeInboundChannelAdapter(connections), null, null);
    }

    /**
     * @param server the server to answer; its connections are registered with the flow
     * @return a spec for a gateway whose flow's replies go back to the client that asked
     */
    public static PipcInboundGatewaySpec inboundGateway(PipeServer server) {
        ServerConnections connections = new ServerConnections(server);
        return new PipcInboundGatewaySpec(new PipeInboundGateway(connections), connections, null);
    }

    /**
     * @param connections the clients of a server, a bean of the context
     * @return a spec for a gateway whose flow's replies go back to the client that asked
     */
    public static PipcInboundGatewaySpec inboundGateway(ServerConnections connections) {
        return new PipcInboundGatewaySpec(new PipeInboundGateway(connections), null, null);
    }

    /**
     * @param pipe the pipe whose peer sends requests
     * @return a spec for a gateway whose flow's replies go back over the pipe
     */
    public static PipcInboundGatewaySpec inboundGateway(Pipe pipe) {
        SharedPipe shared = SharedPipe.of(pipe);
        return new PipcInboundGatewaySpec(new PipeInboundGateway(shared), null, shared);
    }

    /**
     * @param pipe the pipe to write to
     * @return a spec for a handler that writes every message
     */
    public static PipcOutboundChannelAdapterSpec outboundAdapter(Pipe pipe) {
        return new PipcOutboundChannelAdapterSpec(new PipeOutboundChannelAdapter(pipe));
    }

    /**
     * @param connections the clients of a server, a bean of the context
     * @return a spec for a handler that writes every message to the client its
     *         {@code pipc_connectionId} header names
     */
    public static PipcOutboundChannelAdapterSpec outboundAdapter(ServerConnections connections) {
        return new PipcOutboundChannelAdapterSpec(new PipeOutboundChannelAdapter(connections));
    }

    /**
     * @param pipe the pipe to send requests over
     * @return a spec for a gateway that writes each request and produces its reply
     */
    public static PipcOutboundGatewaySpec outboundGateway(Pipe pipe) {
        return new PipcOutboundGatewaySpec(new PipeOutboundGateway(pipe));
    }

    /**
     * @param server a server
     * @return connections for its clients, to make a bean of and share between endpoints
     */
    public static ServerConnections serverConnections(PipeServer server) {
        return new ServerConnections(server);
    }
}
