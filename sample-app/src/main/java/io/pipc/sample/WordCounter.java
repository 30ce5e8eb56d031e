package io.pipc.sample;

import org.springframework.context.annotation.Profile;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.stereotype.Component;

/**
 * Counts the words of every request that reaches the servers (from the demo's worker, from a
 * pipc client, from Python) and answers with the count.
 */
@Component
@Profile("!worker")
class WordCounter {

    @ServiceActivator(inputChannel = "countWords")
    String count(String text) {
        String trimmed = text.strip();
        return String.valueOf(trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length);
    }
}
