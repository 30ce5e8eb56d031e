package io.pipc.sample;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.pipc.Pipe;
import io.pipc.PipeProcess;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * The demo, on the coordinator's side, once everything is connected:
 * <ol>
 * <li>over the named pipe, asks the worker to uppercase text, and times the round trips;</li>
 * <li>over the worker's standard streams (its {@link PipeProcess} pipe), tells it to run its
 *     own requests over TCP and the Unix socket, where this application's {@link WordCounter}
 *     answers, and collects its figures;</li>
 * <li>tells the worker to stop, and checks that it exits with 0.</li>
 * </ol>
 * Any failure propagates: the application then exits with a non-zero code.
 */
@Component
@Profile("demo")
class Demo implements ApplicationRunner {

    static final String RUN = "run";
    static final String STOP = "stop";
    static final String BYE = "bye";
    private static final String TEXT = "the quick brown fox jumps over the lazy dog";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final WorkerLauncher launcher;
    private final FifoClient fifo;
    private final int requests;
    private final PrintStream out = System.out;

    Demo(WorkerLauncher launcher, FifoClient fifo, @Value("${sample.requests:2000}") int requests) {
        this.launcher = launcher;
        this.fifo = fifo;
        this.requests = requests;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        PipeProcess worker = launcher.worker();
        Pipe control = worker.pipe();
        out.printf("pipc sample: coordinator (pid %d) started a worker (pid %d) with PipeProcess; they talk over:%n",
                ProcessHandle.current().pid(), worker.pid());

        List<Exchange> exchanges = new ArrayList<>();
        exchanges.add(uppercaseOverTheNamedPipe());

        control.write(RUN);
        for (String line : control.readString(PATIENCE).split("\n")) {
            exchanges.add(Exchange.parse(line));
        }
        exchanges.forEach(exchange -> out.println(exchange.describe()));
        out.printf("  %-5s %-21s %s%n", "stdio", "coordinator ↔ worker", "control: \"run\" → " + (exchanges.size() - 1)
                + " results, \"stop\" → \"bye\"");

        control.write(STOP);
        String bye = control.readString(PATIENCE);
        check(bye.equals(BYE), "the worker answered '" + bye + "' to stop");
        check(worker.waitFor(PATIENCE), "the worker did not exit within " + PATIENCE);
        check(worker.exitCode() == 0, "the worker exited with " + worker.exitCode());
        out.println("worker exited with 0; every reply was checked. OK");
    }

    private Exchange uppercaseOverTheNamedPipe() {
        String expected = TEXT.toUpperCase(Locale.ROOT);
        String reply = fifo.uppercase(TEXT);
        check(expected.equals(reply), "over the named pipe, the worker answered '" + reply + "'");
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            String text = TEXT + " " + i;
            String answer = fifo.uppercase(text);
            check(answer.equals(text.toUpperCase(Locale.ROOT)), "request " + i + " over the named pipe got '" + answer + "'");
        }
        return new Exchange("fifo", "coordinator → worker", TEXT, reply, requests, System.nanoTime() - start);
    }

    static void check(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException("pipc sample failed: " + failure);
        }
    }
}
