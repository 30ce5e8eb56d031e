/**
 * Spring Boot auto-configuration for pipc: binds {@code pipc.*} into
 * {@link io.pipc.boot.autoconfigure.PipcProperties}, checks it, and registers a {@code Pipe}
 * bean per pipe, a {@code PipeServer} bean per server, the Spring Integration endpoints their
 * channels ask for, and a {@link io.pipc.boot.autoconfigure.PipeRegistry}. Pipes open and
 * servers listen when the context starts, before the endpoints start.
 */
@NullMarked
package io.pipc.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
