package io.pipc.sample;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import io.pipc.Pipes;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.integration.annotation.IntegrationComponentScan;

/**
 * The pipc sample. Without arguments it runs the demo: it starts a worker (a copy of itself),
 * exchanges messages with it over every transport, prints what went where and how fast, and
 * exits 0, or non-zero if any exchange failed. {@code --spring.profiles.active=serve} keeps it
 * running as a server for other programs; {@code --spring.profiles.active=load} sends its
 * gateway many concurrent requests and checks every reply.
 */
@SpringBootApplication
@IntegrationComponentScan
public class SampleApplication {

    /** The argument that makes this process the demo's worker. */
    static final String WORKER = "--spring.profiles.active=worker";

    /**
     * @param args Spring Boot arguments
     * @throws InterruptedException when the worker is interrupted while waiting to be stopped
     */
    public static void main(String[] args) throws InterruptedException {
        if (Arrays.asList(args).contains(WORKER)) {
            // First thing, before Spring prints anything: standard output is the pipe to the
            // coordinator now, and System.out moves to standard error.
            Pipes.parent();
        } else if (System.getProperty("sample.run") == null) {
            // One id per run names its FIFO and socket files, so that runs never meet.
            System.setProperty("sample.run", HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        }
        ConfigurableApplicationContext context;
        try {
            context = SpringApplication.run(SampleApplication.class, args);
        } catch (SpringApplication.AbandonedRunException processedAheadOfTime) {
            // spring-boot:process-aot runs main to build the context, and ends the run this way.
            throw processedAheadOfTime;
        } catch (RuntimeException e) {
            // Spring Boot has reported the failure; make it loud in the exit code too.
            System.exit(1);
            return;
        }
        if (context.getEnvironment().matchesProfiles("worker")) {
            int code = context.getBean(WorkerControl.class).awaitStop();
            System.exit(SpringApplication.exit(context, () -> code));
        } else if (!context.getEnvironment().matchesProfiles("serve")) {
            System.exit(SpringApplication.exit(context));
        }
        // serve: the servers' threads keep the application running until it is stopped.
    }
}
