package io.pipc.boot.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * What a user sees when the configuration cannot work: the application stops, and the failure
 * analysis lists every problem, each naming its property, ahead of Boot's analysis of the
 * binding failure that carries them.
 */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class PipcFailureAnalysisTests {

    @Test
    void misspeltKeyStopsTheApplicationWithOneAnalysisNamingIt(CapturedOutput output) {
        SpringApplication application = new SpringApplication(Application.class);
        application.setWebApplicationType(WebApplicationType.NONE);

        assertThatException().isThrownBy(() -> application.run("--pipc.pipes.orders.trasnport=fifo",
                "--pipc.servers.api.transport=tcp", "--pipc.servers.api.port=0", "--pipc.servers.api.heartbeat=often"));

        assertThat(output).contains("The pipc configuration cannot work:\n\n"
                + "    pipc.pipes.orders.trasnport is not a pipc property (was 'fifo')\n"
                + "    pipc.servers.api.heartbeat must be a duration such as 30s, 500ms or PT30S (was 'often')\n\n")
                .contains("Update the pipc.* properties in your application's configuration.")
                .doesNotContain("Failed to bind properties under 'pipc'");
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(PipcAutoConfiguration.class)
    static class Application {

    }
}
