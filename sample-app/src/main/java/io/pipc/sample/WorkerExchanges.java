package io.pipc.sample;

import java.util.List;
import java.util.function.UnaryOperator;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * What the worker does when the coordinator says "run": asks the coordinator to count words,
 * over TCP and over the Unix socket, checks every answer and times the round trips.
 */
@Component
@Profile("worker")
class WorkerExchanges {

    private static final String TEXT = "to be or not to be";

    private final WordCountClients.OverTcp tcp;
    private final WordCountClients.OverUnix unix;
    private final int requests;

    WorkerExchanges(WordCountClients.OverTcp tcp, WordCountClients.OverUnix unix,
            @Value("${sample.requests:2000}") int requests) {
        this.tcp = tcp;
        this.unix = unix;
        this.requests = requests;
    }

    /**
     * @return one line per exchange, for the coordinator's report
     */
    String run() {
        return String.join("\n",
                exchange("tcp", tcp::count).toLine(),
                exchange("unix", unix::count).toLine());
    }

    private Exchange exchange(String transport, UnaryOperator<String> countWords) {
        String reply = countWords.apply(TEXT);
        Demo.check(reply.equals("6"), "over " + transport + ", the coordinator counted " + reply + " words in '" + TEXT + "'");
        List<String> words = List.of("one", "two", "three", "four", "five", "six", "seven");
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            int count = 1 + i % words.size();
            String answer = countWords.apply(String.join(" ", words.subList(0, count)));
            Demo.check(answer.equals(String.valueOf(count)), "request " + i + " over " + transport + " got " + answer);
        }
        return new Exchange(transport, "worker → coordinator", TEXT, reply + " words", requests, System.nanoTime() - start);
    }
}
