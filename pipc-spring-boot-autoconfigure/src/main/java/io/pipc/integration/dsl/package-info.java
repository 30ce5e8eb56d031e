/**
 * The Java DSL for pipc endpoints: {@link io.pipc.integration.dsl.Pipc} and its specs, used
 * in an {@code IntegrationFlow} the way Spring Integration's {@code Tcp} factory is.
 */
@NullMarked
package io.pipc.integration.dsl;

import org.jspecify.annotations.NullMarked;
