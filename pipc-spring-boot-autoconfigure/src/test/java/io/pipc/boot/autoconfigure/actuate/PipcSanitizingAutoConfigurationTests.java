package io.pipc.boot.autoconfigure.actuate;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.PipcAutoConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint.ConfigurationPropertiesBeanDescriptor;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code show-values: always}, the actuator's {@code configprops} and {@code env}
 * endpoints show every value as it is; pipc's secrets are masked all the same, and nothing else.
 */
@Timeout(30)
class PipcSanitizingAutoConfigurationTests {

    /** The peer of the pipe {@code orders}, which knows its secret. */
    private final PipeServer peer = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            PipeOptions.builder().secret("pipe-s3cret").build());

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, PipcSanitizingAutoConfiguration.class,
                    ConfigurationPropertiesReportEndpointAutoConfiguration.class, EnvironmentEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=configprops,env",
                    "management.endpoint.configprops.show-values=always", "management.endpoint.env.show-values=always",
                    "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.secret=server-s3cret",
                    "pipc.pipes.orders.transport=tcp", "pipc.pipes.orders.mode=connect",
                    "pipc.pipes.orders.port=" + ((InetSocketAddress) this.peer.address()).getPort(),
                    "pipc.pipes.orders.secret=pipe-s3cret");

    @AfterEach
    void closePeer() {
        this.peer.close();
    }

    @Test
    void configpropsShowsPipcSecretsMaskedAndTheOtherValuesAsTheyAre() {
        this.runner.run((context) -> {
            ConfigurationPropertiesBeanDescriptor pipc = context.getBean(ConfigurationPropertiesReportEndpoint.class)
                    .configurationPropertiesWithPrefix("pipc").getContexts().values().iterator().next().getBeans()
                    .values().iterator().next();
            Map<String, Object> pipes = child(pipc.getProperties(), "pipes");
            Map<String, Object> servers = child(pipc.getProperties(), "servers");

            assertThat(child(pipes, "orders")).containsEntry("secret", SanitizableData.SANITIZED_VALUE)
                    .containsEntry("transport", "TCP").containsEntry("mode", "CONNECT");
            assertThat(child(servers, "api")).containsEntry("secret", SanitizableData.SANITIZED_VALUE)
                    .containsEntry("transport", "TCP").containsEntry("maxConnections", 1000);
        });
    }

    @Test
    void envShowsPipcSecretsMaskedAndTheOtherValuesAsTheyAre() {
        this.runner.run((context) -> {
            EnvironmentEndpoint env = context.getBean(EnvironmentEndpoint.class);

            assertThat(env.environmentEntry("pipc.pipes.orders.secret").getProperty().getValue())
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(env.environmentEntry("pipc.servers.api.secret").getProperty().getValue())
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(env.environmentEntry("pipc.pipes.orders.transport").getProperty().getValue()).isEqualTo("tcp");
            assertThat(env.environmentEntry("management.endpoint.env.show-values").getProperty().getValue())
                    .isEqualTo("always");
        });
    }

    @Test
    void secretsAreRecognisedAsEnvironmentVariablesAndWithTheirKeyInBrackets() {
        this.runner.run((context) -> {
            SanitizingFunction sanitizing = context.getBean("pipcSecretsSanitizingFunction", SanitizingFunction.class);
            for (String key : List.of("PIPC_PIPES_ORDERS_SECRET", "PIPC_SERVERS_MY_API_SECRET", "pipc.pipes[orders].secret",
                    "pipc.servers.api.Secret")) {
                assertThat(sanitizing.apply(new SanitizableData(null, key, "x")).getValue()).as(key)
                        .isEqualTo(SanitizableData.SANITIZED_VALUE);
            }
            for (String key : List.of("pipc.pipes.secret.transport", "pipc.directory", "spring.datasource.secret",
                    "pipc.servers.api.ssl-bundle")) {
                assertThat(sanitizing.apply(new SanitizableData(null, key, "x")).getValue()).as(key).isEqualTo("x");
            }
        });
    }

    @Test
    void nothingWithoutTheActuator() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, PipcSanitizingAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .withPropertyValues("pipc.pipes.orders.transport=in-process")
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean("pipcSecretsSanitizingFunction"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> properties, String key) {
        return (Map<String, Object>) properties.get(key);
    }
}
