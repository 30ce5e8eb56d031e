package io.pipc.boot.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

/**
 * On a {@code @SpringBootTest}: the application's flows run as configured, without their
 * peers. Every pipe of {@code pipc.pipes} opens as one end of an in-process pair instead of
 * its transport, at once, and the test is the other end:
 * {@code PipeRegistry.inProcessPeer("orders")} reads what the application writes to
 * {@code orders} and writes what it reads. Every TCP server of {@code pipc.servers} listens on
 * a free port of its host, found with {@code PipeRegistry.getServerPort("api")} or the
 * property {@code local.pipc.server.api.port}; Unix socket servers listen where configured.
 *
 * <p>Everything else is as in production: the beans, the codecs, the endpoints and their
 * channels, the headers (a pipe keeps its configured transport in {@code pipc_transport}),
 * the checks of the properties, health and metrics. What is not exercised is the transport
 * itself: its handshake, secret and TLS.
 *
 * @see InProcessPipeFactory
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration(PipcTestAutoConfiguration.class)
public @interface AutoConfigurePipcTest {

}
