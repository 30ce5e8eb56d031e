package io.pipc.boot.autoconfigure.app.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.integration.annotation.ServiceActivator;

/**
 * A sample-style application, run in its own JVM by {@code SeparateJvmApplicationTests}: a
 * non-web application whose configuration (given on the command line) declares a server, and
 * whose one {@code @ServiceActivator} answers. Its main thread returns at once; the server
 * keeps it running.
 */
@SpringBootApplication
public class SampleStyleApplication {

    /**
     * @param args Spring Boot arguments, the pipc properties among them
     */
    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(SampleStyleApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.run(args);
    }

    @ServiceActivator(inputChannel = "requests")
    String answer(String request) {
        return "answered by pid " + ProcessHandle.current().pid() + ": " + request;
    }
}
