/**
 * The pipc sample: a Spring Boot application that starts a copy of itself as a child process
 * and talks to it over a named pipe, TCP, a Unix socket and the child's standard streams, with
 * {@code @ServiceActivator} handlers doing the work on both sides. Other profiles keep it
 * running as a server for other programs (Python included), or load its gateway with
 * concurrent requests.
 */
@NullMarked
package io.pipc.sample;

import org.jspecify.annotations.NullMarked;
