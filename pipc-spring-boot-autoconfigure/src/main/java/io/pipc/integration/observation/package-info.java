/**
 * Micrometer {@code Observation}s of pipc's endpoints, documented by
 * {@link io.pipc.integration.observation.PipcObservationDocumentation}: a message sent
 * ({@code pipc.message.send}) or received ({@code pipc.message.receive}), and a request sent by
 * an outbound gateway ({@code pipc.request.send}) or received by an inbound gateway
 * ({@code pipc.request.receive}).
 *
 * <p>The contexts are Micrometer's sender and receiver contexts whose carrier is the message's
 * application headers on the wire, so a tracing handler writes the trace context into the
 * headers a message is sent with and reads it from those it arrives with: a trace goes on in the
 * peer. Each observation has a convention the application may replace, in the manner of Spring's
 * {@code *ObservationConvention}s.
 */
@NullMarked
package io.pipc.integration.observation;

import org.jspecify.annotations.NullMarked;
