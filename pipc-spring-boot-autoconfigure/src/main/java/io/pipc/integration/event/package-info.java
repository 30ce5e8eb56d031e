/**
 * Application events of pipc's pipes and servers: a pipe or client connection opened, closed
 * or failed, and a server listening (with its real address). Published through the
 * application context, in the manner of Spring Integration's {@code TcpConnectionOpenEvent}.
 */
@NullMarked
package io.pipc.integration.event;

import org.jspecify.annotations.NullMarked;
