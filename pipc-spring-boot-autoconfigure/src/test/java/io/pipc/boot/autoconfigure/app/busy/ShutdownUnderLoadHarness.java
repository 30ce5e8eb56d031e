package io.pipc.boot.autoconfigure.app.busy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shutdown measurement of {@code docs/reliability.md}: {@link BusyEndpointsApplication} in
 * its own JVM (a TCP server gateway, a Unix socket server gateway, a FIFO inbound adapter), its
 * three peers streaming to it from this JVM, stopped with SIGTERM; per run, what each peer wrote,
 * what was answered or handled, whether each was told goodbye, and how long the process took to
 * exit. Arguments: the number of runs (default 5).
 *
 * <pre>
 * mvn -B -q -pl pipc-spring-boot-autoconfigure -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * cd pipc-spring-boot-autoconfigure
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *     io.pipc.boot.autoconfigure.app.busy.ShutdownUnderLoadHarness 5
 * </pre>
 */
public final class ShutdownUnderLoadHarness {

    private static final Pattern FEED = Pattern.compile("feed handled (\\d+) messages (in order|out of order.*)");

    private ShutdownUnderLoadHarness() {
    }

    /**
     * @param args the number of runs
     * @throws Exception when a run cannot be made
     */
    public static void main(String[] args) throws Exception {
        int runs = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
        System.out.printf("shutdown under load: SIGTERM while three peers stream; Java %s, %d CPUs%n%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        System.out.println("| run | TCP requests answered | Unix requests answered | FIFO messages handled | lost"
                + " | goodbyes | SIGTERM to exit | exit status |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int run = 1; run <= runs; run++) {
            Path directory = Files.createTempDirectory("pipc-shutdown-harness-");
            try (BusyEndpointsProcess app = BusyEndpointsProcess.start(directory)) {
                app.awaitStreaming(3_000);
                long signalled = System.nanoTime();
                app.process().destroy();
                if (!app.process().waitFor(120, TimeUnit.SECONDS)) {
                    System.out.println("| " + run + " | did not exit within 120 s |");
                    continue;
                }
                double seconds = (System.nanoTime() - signalled) / 1e9;
                StreamingPeer.Outcome tcp = app.tcp().finish("tcp:");
                StreamingPeer.Outcome unix = app.unix().finish("unix:");
                StreamingPeer.Outcome feed = app.feed().finish(null);
                Matcher handled = FEED.matcher(app.output());
                int fed = (handled.find() && handled.group(2).equals("in order")) ? Integer.parseInt(handled.group(1)) : -1;
                int lost = (tcp.written() - tcp.answered()) + (unix.written() - unix.answered())
                        + ((fed < 0) ? feed.written() : feed.written() - fed);
                int goodbyes = (tcp.goodbye() ? 1 : 0) + (unix.goodbye() ? 1 : 0) + (feed.goodbye() ? 1 : 0);
                System.out.printf("| %d | %d of %d | %d of %d | %s of %d | %d | %d of 3 | %.2f s | %d |%n", run,
                        tcp.answered(), tcp.written(), unix.answered(), unix.written(),
                        (fed < 0) ? "not all, or out of order," : String.valueOf(fed), feed.written(), lost, goodbyes,
                        seconds, app.process().exitValue());
            }
        }
        System.exit(0);
    }
}
