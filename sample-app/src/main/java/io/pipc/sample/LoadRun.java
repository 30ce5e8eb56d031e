package io.pipc.sample;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.annotation.Profile;
import org.springframework.integration.annotation.MessagingGateway;
import org.springframework.stereotype.Component;

/**
 * In load mode: many concurrent requests through one client pipe to the server's gateway,
 * which answers each through {@link WordCounter}. Replies come back matched by correlation id,
 * so every thread must get the count of its own request; any other answer fails the run.
 */
@Component
@Profile("load")
class LoadRun implements ApplicationRunner {

    /** The client pipe {@code loadClient}, as a request/reply method. */
    @MessagingGateway(defaultRequestChannel = "loadRequests")
    @Profile("load")
    interface LoadClient {
        /**
         * @param text words
         * @return how many
         */
        String count(String text);
    }

    private final LoadClient client;
    private final int requests;
    private final int concurrency;
    private final PrintStream out = System.out;

    LoadRun(LoadClient client, @Value("${sample.requests}") int requests, @Value("${sample.concurrency}") int concurrency) {
        this.client = client;
        this.requests = requests;
        this.concurrency = concurrency;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(concurrency);
        try {
            long start = System.nanoTime();
            List<Future<?>> calls = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                int words = 1 + i % 50;
                calls.add(callers.submit(() -> {
                    String answer = client.count("word ".repeat(words));
                    Demo.check(answer.equals(String.valueOf(words)), "a request of " + words + " words got " + answer);
                }));
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
            long nanos = System.nanoTime() - start;
            out.printf(Locale.ROOT, "pipc sample: %,d requests, %d at a time, over one Unix socket through the gateway:"
                    + " every reply matched its request; %,.0f requests/s%n", requests, concurrency, requests / (nanos / 1e9));
        } finally {
            callers.shutdownNow();
        }
    }
}
