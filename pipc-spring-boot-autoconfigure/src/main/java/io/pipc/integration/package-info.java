/**
 * pipc for Spring Integration: endpoints that connect pipes and servers to message channels.
 * {@link io.pipc.integration.PipeInboundChannelAdapter} and {@link io.pipc.integration.PipeInboundGateway}
 * read a pipe, or the clients of a server through {@link io.pipc.integration.ServerConnections};
 * {@link io.pipc.integration.PipeOutboundChannelAdapter} writes, routing to a server's clients by
 * {@link io.pipc.integration.PipcHeaders#CONNECTION_ID}; {@link io.pipc.integration.PipeOutboundGateway}
 * sends requests and matches their replies by correlation id.
 *
 * <p>{@link io.pipc.integration.SharedPipe} and {@link io.pipc.integration.SharedPipeServer} are
 * the pipe and server that application code and these endpoints share: a pipe has one reader and
 * a server one acceptor, and whoever else tries is told which endpoint owns them.
 */
@NullMarked
package io.pipc.integration;

import org.jspecify.annotations.NullMarked;
