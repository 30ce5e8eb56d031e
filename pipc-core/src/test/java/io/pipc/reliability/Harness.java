package io.pipc.reliability;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import io.pipc.Transport;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;

/**
 * Runs the measurements of {@code docs/reliability.md} and prints them as its tables:
 * {@code integrity}, {@code kill}, {@code freeze} and {@code slow}, or all of them when none is
 * named. Options: {@code --messages N} per transport for integrity (default 20000), {@code --runs
 * N} per transport for kill and freeze (default 5), {@code --heartbeat MS} for freeze (default
 * 1000).
 *
 * <pre>
 * mvn -B -q -pl pipc-core test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-cp %classpath io.pipc.reliability.Harness"
 * </pre>
 */
public final class Harness {

    private static final List<Transport> PROCESS_TRANSPORTS = List.of(Transport.FIFO, Transport.UNIX, Transport.TCP,
            Transport.STDIO);

    private Harness() {
    }

    /**
     * @param args the measurements and options, as above
     * @throws Exception when a measurement cannot be made
     */
    public static void main(String[] args) throws Exception {
        List<String> which = new ArrayList<>();
        int messages = 20_000;
        int runs = 5;
        Duration heartbeat = Duration.ofSeconds(1);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--messages" -> messages = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--heartbeat" -> heartbeat = Duration.ofMillis(Long.parseLong(args[++i]));
                default -> which.add(args[i]);
            }
        }
        // The tables are the output; the warnings the stalls cause by design would break them up.
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.ERROR);
        if (which.isEmpty()) {
            which = List.of("integrity", "kill", "freeze", "slow");
        }
        System.out.printf("pipc reliability harness, %s: Java %s, %s %s, %d CPUs%n%n", LocalDate.now(),
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.version"),
                Runtime.getRuntime().availableProcessors());
        Path directory = PeerProcess.privateDirectory();
        for (String measurement : which) {
            switch (measurement) {
                case "integrity" -> integrity(messages, directory);
                case "kill" -> peerFailure("KILL", Duration.ofSeconds(5), runs, directory);
                case "freeze" -> peerFailure("STOP", heartbeat, runs, directory);
                case "slow" -> slow();
                default -> throw new IllegalArgumentException("unknown measurement '" + measurement
                        + "': integrity, kill, freeze or slow");
            }
        }
        // Peers still starting or stopping in the background must not hold the JVM.
        System.exit(0);
    }

    static String name(Transport transport) {
        return switch (transport) {
            case IN_PROCESS -> "in-process";
            case FIFO -> "FIFO";
            case UNIX -> "Unix socket";
            case TCP -> "TCP (loopback)";
            case STDIO -> "stdio";
        };
    }

    private static void integrity(int messages, Path directory) throws Exception {
        System.out.println("Integrity: " + messages + " numbered messages of random sizes, each way (a peer echoes"
                + " them)");
        System.out.println();
        System.out.println("| transport | messages | bytes each way | out of sequence | corrupt | time |");
        System.out.println("|---|---:|---:|---:|---:|---|");
        List<Transport> transports = new ArrayList<>(List.of(Transport.IN_PROCESS));
        transports.addAll(PROCESS_TRANSPORTS);
        for (Transport transport : transports) {
            System.out.println(Integrity.run(transport, messages, directory).row());
        }
        System.out.println();
    }

    private static void peerFailure(String signal, Duration heartbeat, int runs, Path directory) throws Exception {
        System.out.println(signal.equals("KILL")
                ? "kill -9 of the peer process, to the failure of this end's blocked read()"
                : "kill -STOP of the peer process (frozen, its connection open), heartbeat " + heartbeat
                        + " on both ends, to the failure of this end's blocked read()");
        System.out.println();
        System.out.println("| transport | median | range | runs | failure |");
        System.out.println("|---|---:|---:|---:|---|");
        for (Transport transport : PROCESS_TRANSPORTS) {
            System.out.println(PeerFailure.run(transport, signal, heartbeat, runs, directory).row());
        }
        System.out.println();
    }

    private static void slow() throws Exception {
        System.out.println("Stalling clients of a TCP server whose handshake and frame timeouts are "
                + SlowConnections.DEADLINE + ", from the stall to the server's close");
        System.out.println();
        System.out.println("| client | deadline | closed after |");
        System.out.println("|---|---|---:|");
        for (SlowConnections.Result result : SlowConnections.run()) {
            System.out.println(result.row());
        }
        System.out.println();
    }
}
