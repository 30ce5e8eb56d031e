package io.pipc.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Poller;
import io.pipc.Selectable;
import io.pipc.Wire;

import org.jspecify.annotations.Nullable;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Fan-in: how a server's cost grows with its clients. One load generator (this JVM's main
 * thread, one {@link Selector}) drives N connections to 127.0.0.1, each with exactly one 64-byte
 * request in flight, framed by a 4-byte big-endian length (so pipc servers speak
 * {@code wire: python}, without a secret); every reply is checked against its request, and the
 * replies are taken in the order they came in, so that no client's place in the generator's
 * pass favours it or holds it back. The servers, measured in alternation, each in a fresh JVM
 * of its own with the generator:
 *
 * <ul>
 * <li>{@code raw}: the floor, a one-thread NIO echo server written plainly;</li>
 * <li>{@code select}: pipc core's select loop, the README's {@code serve(PipeServer, List<Pipe>)}
 * ({@code Pipes.select} over the server and every pipe, {@code pending()} echoed);</li>
 * <li>{@code poller}: the same loop on a {@link io.pipc.Poller}, each pipe added once (the
 * README's faster idiom), whose thread reads the clients' sockets itself;</li>
 * <li>{@code poller-handoff}: the same loop with each pipe added behind a {@link Selectable} of
 * its own, so the poller is only told when a pipe is ready and an event loop reads it, as
 * {@code select} does: what the polling thread's own reads gain;</li>
 * <li>{@code threads}: a pipc server with one blocking platform thread per client;</li>
 * <li>{@code virtual}: the same on virtual threads (only on JDK 21 and later);</li>
 * <li>{@code jdk-threads} and {@code jdk-virtual}: the JDK's own blocking {@link SocketChannel}s
 * with one platform, or virtual, thread per client, no pipc: what a thread per client costs
 * before pipc adds anything (the virtual one only on JDK 21 and later);</li>
 * <li>{@code virtual-one-carrier} and {@code jdk-virtual-one-carrier}: {@code virtual} and
 * {@code jdk-virtual} in a JVM whose virtual-thread scheduler has one carrier
 * ({@code -Djdk.virtualThreadScheduler.parallelism=1}) instead of one per core: what the
 * scheduler's carriers cost while the generator keeps one of the cores busy;</li>
 * <li>{@code starter}: {@code pipc.servers.fan: {transport: tcp, wire: python, codec: bytes,
 * gateway: true, inbound-channel: echo}} with an echo {@code @ServiceActivator}, defaults
 * otherwise but {@code max-connections: 2048} (the default 1000 refuses the 1,024th client:
 * {@code starter-default} shows it);</li>
 * <li>{@code si}: Spring Integration's {@code TcpNioServerConnectionFactory} +
 * {@code TcpInboundGateway} with {@code ByteArrayLengthHeaderSerializer}.</li>
 * </ul>
 *
 * Reported per server and N: requests per second; the server's CPU per request (the process's
 * CPU time less the generator thread's, so the JIT and the collector count against the server);
 * the median and 99th percentile of the round trip as the generator sees it; the threads the
 * server added; how many clients were starved (not answered once in the whole measurement); on
 * Linux, how often per request the server's threads slept and were woken, and were preempted
 * (see {@link ContextSwitches}; a virtual thread's parking is not a sleep of its carrier). A
 * starved client's request counts among the round trips with its age at the end (a lower bound
 * of its round trip): without it, a server that serves some clients and leaves the others waiting
 * would show the short round trips of the few it serves. Every figure and every ratio to {@code raw} (and of {@code starter} to
 * {@code si}) is printed; {@code --json} writes them for {@code report.py}.
 *
 * <pre>java -cp pipc-benchmarks/target/pipc-benchmarks.jar io.pipc.benchmarks.FanIn \
 *     --clients 16,256,1024 --rounds 2 --warmup 10 --measure 3 --json fanin.json</pre>
 */
public final class FanIn {

    static final int PAYLOAD = 64;
    static final int FRAME = 4 + PAYLOAD;
    static final List<String> SERVERS = List.of("raw", "select", "poller", "poller-handoff", "threads", "virtual", "jdk-threads",
            "jdk-virtual", "virtual-one-carrier", "jdk-virtual-one-carrier", "starter", "si");
    /** The name of a server run in a JVM whose virtual-thread scheduler has one carrier ends so. */
    private static final String ONE_CARRIER = "-one-carrier";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private FanIn() {
    }

    /**
     * @param args options as in the class comment; {@code --child <server> <clients> <warmup s> <measure s>}
     *        is the measuring JVM's own
     * @throws Exception when anything fails: the run proves nothing then
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("--child")) {
            Result result = measure(args[1], Integer.parseInt(args[2]), Double.parseDouble(args[3]), Double.parseDouble(args[4]));
            System.out.println("RESULT " + result.json());
            System.exit(0);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<Integer> clients = Arrays.stream(options.getOrDefault("clients", "16,256,1024").split(","))
                .map(Integer::parseInt).toList();
        List<String> servers = List.of(options.getOrDefault("servers", String.join(",", SERVERS)).split(","));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        String warmup = options.getOrDefault("warmup", "3");
        String measure = options.getOrDefault("measure", "4");
        orchestrate(clients, servers, rounds, warmup, measure, options.get("json"));
    }

    private static void orchestrate(List<Integer> clients, List<String> servers, int rounds, String warmup, String measure,
            @Nullable String json) throws Exception {
        boolean virtual = Runtime.version().feature() >= 21;
        List<Result> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (int n : clients) {
                for (String server : servers) {
                    if (server.contains("virtual") && !virtual) {
                        continue;
                    }
                    Result result = child(server, n, warmup, measure);
                    System.out.printf(Locale.ROOT, "round %d  %-8s N=%-5d %s%n", round, server, n, result.describe());
                    results.add(result);
                }
            }
        }
        Result refusal = child("starter-default", clients.stream().max(Integer::compare).orElse(1024), "0", "0");
        System.out.printf(Locale.ROOT, "the starter with its default max-connections, N=%d: %d clients answered, %d refused%n",
                refusal.clients(), refusal.answered(), refusal.refused());
        List<Summary> summaries = summarise(results, clients, servers);
        print(summaries, clients, servers);
        if (json != null) {
            String body = "{\"java\": \"" + System.getProperty("java.version") + "\", \"runs\": ["
                    + results.stream().map(Result::json).collect(Collectors.joining(",\n  "))
                    + "],\n \"summaries\": [" + summaries.stream().map(Summary::json).collect(Collectors.joining(",\n  "))
                    + "],\n \"refusal\": " + refusal.json() + "}\n";
            Files.writeString(Path.of(json), body);
        }
    }

    /** Runs one measurement in a JVM of its own, so that no server's threads, JIT or garbage weigh on another's. */
    private static Result child(String server, int clients, String warmup, String measure) throws Exception {
        // Native access: the starter's executor counts its threads' waits through jnr (ThreadWaits).
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "--enable-native-access=ALL-UNNAMED"));
        if (server.endsWith(ONE_CARRIER)) {
            command.add("-Djdk.virtualThreadScheduler.parallelism=1");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FanIn.class.getName(),
                "--child", server, String.valueOf(clients), warmup, measure));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("the " + server + " run with " + clients + " clients failed:\n" + output);
        }
        return output.lines().filter(line -> line.startsWith("RESULT ")).findFirst()
                .map(line -> Result.parse(line.substring(7)))
                .orElseThrow(() -> new IllegalStateException("no result from the " + server + " run:\n" + output));
    }

    /** One server under load, measured from this JVM. */
    record Result(String server, int clients, double requestsPerSecond, double serverCpuMicrosPerRequest,
            double p50Micros, double p99Micros, int threads, long answered, long refused, int starved,
            double sleepsPerRequest, double preemptionsPerRequest) {

        String describe() {
            return String.format(Locale.ROOT, "%,10.0f req/s  server CPU %6.1f µs/req  p50 %7.1f µs  p99 %8.1f µs  threads %d"
                    + "  starved %d  sleeps/req %.2f  preemptions/req %.2f", requestsPerSecond, serverCpuMicrosPerRequest,
                    p50Micros, p99Micros, threads, starved, sleepsPerRequest, preemptionsPerRequest);
        }

        String json() {
            return String.format(Locale.ROOT, "{\"server\": \"%s\", \"clients\": %d, \"requestsPerSecond\": %.1f, "
                    + "\"serverCpuMicrosPerRequest\": %.3f, \"p50Micros\": %.1f, \"p99Micros\": %.1f, \"threads\": %d, "
                    + "\"answered\": %d, \"refused\": %d, \"starved\": %d, \"sleepsPerRequest\": %.3f, "
                    + "\"preemptionsPerRequest\": %.3f}", server, clients, requestsPerSecond,
                    serverCpuMicrosPerRequest, p50Micros, p99Micros, threads, answered, refused, starved,
                    sleepsPerRequest, preemptionsPerRequest);
        }

        static Result parse(String json) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String pair : json.replaceAll("[{}\"]", "").split(",")) {
                String[] kv = pair.split(":", 2);
                fields.put(kv[0].strip(), kv[1].strip());
            }
            return new Result(Objects.requireNonNull(fields.get("server"), "server"), Integer.parseInt(fields.get("clients")),
                    Double.parseDouble(fields.get("requestsPerSecond")), Double.parseDouble(fields.get("serverCpuMicrosPerRequest")),
                    Double.parseDouble(fields.get("p50Micros")), Double.parseDouble(fields.get("p99Micros")),
                    Integer.parseInt(fields.get("threads")), Long.parseLong(fields.get("answered")),
                    Long.parseLong(fields.get("refused")), Integer.parseInt(fields.getOrDefault("starved", "0")),
                    Double.parseDouble(fields.getOrDefault("sleepsPerRequest", "NaN")),
                    Double.parseDouble(fields.getOrDefault("preemptionsPerRequest", "NaN")));
        }
    }

    /** A server's figures at one N over every round: mean, and the spread (half of max - min) as the error. */
    record Summary(String server, int clients, int rounds, double requestsPerSecond, double requestsError, double cpu,
            double cpuError, double p50, double p99, int threads, int starved, double sleepsPerRequest,
            double preemptionsPerRequest) {

        String json() {
            return String.format(Locale.ROOT, "{\"server\": \"%s\", \"clients\": %d, \"rounds\": %d, \"requestsPerSecond\": %.1f, "
                    + "\"requestsError\": %.1f, \"serverCpuMicrosPerRequest\": %.3f, \"cpuError\": %.3f, "
                    + "\"p50Micros\": %.1f, \"p99Micros\": %.1f, \"threads\": %d, \"starved\": %d, "
                    + "\"sleepsPerRequest\": %.3f, \"preemptionsPerRequest\": %.3f}", server, clients, rounds,
                    requestsPerSecond, requestsError, cpu, cpuError, p50, p99, threads, starved, sleepsPerRequest,
                    preemptionsPerRequest);
        }
    }

    private static List<Summary> summarise(List<Result> results, List<Integer> clients, List<String> servers) {
        List<Summary> summaries = new ArrayList<>();
        for (int n : clients) {
            for (String server : servers) {
                List<Result> runs = results.stream().filter(r -> r.server().equals(server) && r.clients() == n).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                summaries.add(new Summary(server, n, runs.size(), mean(runs, Result::requestsPerSecond),
                        spread(runs, Result::requestsPerSecond), mean(runs, Result::serverCpuMicrosPerRequest),
                        spread(runs, Result::serverCpuMicrosPerRequest), mean(runs, Result::p50Micros),
                        mean(runs, Result::p99Micros), runs.stream().mapToInt(Result::threads).max().orElse(0),
                        runs.stream().mapToInt(Result::starved).max().orElse(0), mean(runs, Result::sleepsPerRequest),
                        mean(runs, Result::preemptionsPerRequest)));
            }
        }
        return summaries;
    }

    private static double mean(List<Result> runs, java.util.function.ToDoubleFunction<Result> figure) {
        return runs.stream().mapToDouble(figure).average().orElse(Double.NaN);
    }

    private static double spread(List<Result> runs, java.util.function.ToDoubleFunction<Result> figure) {
        return (runs.stream().mapToDouble(figure).max().orElse(0) - runs.stream().mapToDouble(figure).min().orElse(0)) / 2;
    }

    private static void print(List<Summary> summaries, List<Integer> clients, List<String> servers) {
        System.out.println();
        System.out.println("server    N      requests/s (± spread)    server CPU µs/req   p50 µs    p99 µs  threads"
                + "   req/s ÷ raw   CPU ÷ raw  starved  sleeps/req");
        for (int n : clients) {
            Summary raw = find(summaries, "raw", n);
            for (String server : servers) {
                Summary s = find(summaries, server, n);
                if (s == null) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "%-8s %5d %12.0f (± %7.0f) %10.1f (± %4.1f) %9.1f %9.1f %8d %12s %11s %8d %11.2f%n",
                        server, n, s.requestsPerSecond(), s.requestsError(), s.cpu(), s.cpuError(), s.p50(), s.p99(),
                        s.threads(), raw == null ? "" : String.format(Locale.ROOT, "%.2f", s.requestsPerSecond() / raw.requestsPerSecond()),
                        raw == null ? "" : String.format(Locale.ROOT, "%.2f", s.cpu() / raw.cpu()), s.starved(), s.sleepsPerRequest());
            }
            Summary starter = find(summaries, "starter", n);
            Summary si = find(summaries, "si", n);
            if (starter != null && si != null) {
                System.out.printf(Locale.ROOT, "starter ÷ si, N=%d: req/s %.2f, CPU per request %.2f, p99 %.2f, threads %d / %d%n", n,
                        starter.requestsPerSecond() / si.requestsPerSecond(), starter.cpu() / si.cpu(), starter.p99() / si.p99(),
                        starter.threads(), si.threads());
            }
        }
    }

    private static @Nullable Summary find(List<Summary> summaries, String server, int clients) {
        return summaries.stream().filter(s -> s.server().equals(server) && s.clients() == clients).findFirst().orElse(null);
    }

    /** A server under test: where it listens, and how to stop it. */
    interface Server extends AutoCloseable {

        InetSocketAddress address();

        @Override
        void close() throws Exception;
    }

    private static Result measure(String kind, int clients, double warmupSeconds, double measureSeconds) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean system =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int threadsBefore = threads.getThreadCount();
        try (Server server = start(kind); Generator generator = new Generator(server.address(), clients)) {
            if (kind.equals("starter-default")) {
                long answered = generator.probe();
                return new Result(kind, clients, 0, 0, 0, 0, threads.getThreadCount() - threadsBefore, answered, clients - answered, 0,
                        Double.NaN, Double.NaN);
            }
            generator.run(warmupSeconds);
            ContextSwitches.Counts switchesStart = ContextSwitches.now();
            ContextSwitches.Counts generatorSwitchesStart = ContextSwitches.ofThisThread();
            long cpuStart = system.getProcessCpuTime();
            long generatorStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            Generator.Window window = generator.run(measureSeconds);
            long elapsed = System.nanoTime() - start;
            long generatorCpu = threads.getCurrentThreadCpuTime() - generatorStart;
            long serverCpu = system.getProcessCpuTime() - cpuStart - generatorCpu;
            ContextSwitches.Counts generatorSwitches = ContextSwitches.ofThisThread();
            ContextSwitches.Counts switches = ContextSwitches.now();
            double sleeps = Double.NaN;
            double preemptions = Double.NaN;
            if (switchesStart != null && generatorSwitchesStart != null && generatorSwitches != null && switches != null) {
                // The server's threads only: the generator's own sleeps and preemptions taken out.
                ContextSwitches.Counts serverSwitches = switches.since(switchesStart).since(generatorSwitches.since(generatorSwitchesStart));
                sleeps = (double) serverSwitches.sleeps() / window.requests();
                preemptions = (double) serverSwitches.preemptions() / window.requests();
            }
            int serverThreads = threads.getThreadCount() - threadsBefore;
            return new Result(kind, clients, window.requests() * 1e9 / elapsed, serverCpu / 1e3 / window.requests(),
                    window.percentile(0.50) / 1e3, window.percentile(0.99) / 1e3, serverThreads, window.requests(), 0,
                    window.starved(), sleeps, preemptions);
        }
    }

    private static Server start(String kind) throws Exception {
        if (kind.endsWith(ONE_CARRIER)) {
            if (!"1".equals(System.getProperty("jdk.virtualThreadScheduler.parallelism"))) {
                throw new IllegalStateException(kind + " needs -Djdk.virtualThreadScheduler.parallelism=1 on this JVM's command line");
            }
            return start(kind.substring(0, kind.length() - ONE_CARRIER.length()));
        }
        return switch (kind) {
            case "raw" -> RawEchoServer.start();
            case "select" -> pipcServer(server -> new Thread(() -> selectLoop(server), "select-loop"));
            case "poller" -> pipcServer(server -> new Thread(() -> pollLoop(server), "poll-loop"));
            case "poller-handoff" -> pipcServer(server -> new Thread(() -> handoffPollLoop(server), "poll-loop"));
            case "threads" -> threadPerClient(runnable -> new Thread(runnable));
            case "virtual" -> threadPerClient(virtualThreads());
            case "jdk-threads" -> JdkThreadPerClient.start(runnable -> new Thread(runnable));
            case "jdk-virtual" -> JdkThreadPerClient.start(virtualThreads());
            case "starter" -> starter(Map.of("pipc.servers.fan.max-connections", 2048));
            case "starter-default" -> starter(Map.of());
            case "si" -> springIntegration();
            default -> throw new IllegalArgumentException("no server called " + kind + "; the servers are " + SERVERS);
        };
    }

    private static PipeOptions pythonWire() {
        return PipeOptions.builder().wire(Wire.PYTHON).maxConnections(2048).build();
    }

    private static Server pipcServer(java.util.function.Function<PipeServer, Thread> loop) throws IOException {
        PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), pythonWire());
        Thread thread = loop.apply(server);
        thread.start();
        return new Server() {
            @Override
            public InetSocketAddress address() {
                return (InetSocketAddress) server.address();
            }

            @Override
            public void close() throws Exception {
                server.close();
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
        };
    }

    private static void selectLoop(PipeServer server) {
        try {
            serve(server, new ArrayList<>());
        } catch (PipeClosedException closed) {
            return;
        }
    }

    /** The select loop: {@code Pipes.select} over the server and every client, each call. */
    static void serve(PipeServer server, List<Pipe> clients) {
        while (server.isOpen()) {
            List<Selectable> candidates = new ArrayList<>(clients);
            candidates.add(server);
            for (Selectable ready : Pipes.select(candidates, Duration.ofSeconds(1))) {
                if (ready == server) {
                    clients.add(server.accept());
                } else if (ready instanceof Pipe pipe && !echoPending(pipe)) {
                    clients.remove(pipe);
                }
            }
        }
    }

    /**
     * Echoes what a ready client sent, as the README's loop does.
     *
     * @return false when the client has gone (then it is closed)
     */
    private static boolean echoPending(Pipe pipe) {
        try {
            int queued = pipe.size();
            for (byte[] message : pipe.pending()) {
                pipe.write(message);               // echo
            }
            if (queued == 0) {
                pipe.read(Duration.ZERO);          // ready with nothing queued: the peer has gone
            }
            return true;
        } catch (PeerClosedException | PeerDisconnectedException | PipeTimeoutException gone) {
            pipe.close();
            return false;
        }
    }

    private static void pollLoop(PipeServer server) {
        try {
            serve(server);
        } catch (PipeClosedException closed) {
            return;
        }
    }

    /** The README's poller loop. */
    static void serve(PipeServer server) {
        try (Poller poller = Pipes.poller()) {
            poller.add(server);
            while (server.isOpen()) {
                for (Selectable ready : poller.poll(Duration.ofSeconds(1))) {
                    if (ready == server) {
                        poller.add(server.accept());
                    } else if (ready instanceof Pipe pipe && !echoPending(pipe)) {
                        poller.remove(pipe);
                    }
                }
            }
        }
    }

    private static void handoffPollLoop(PipeServer server) {
        try (Poller poller = Pipes.poller()) {
            poller.add(server);
            while (server.isOpen()) {
                for (Selectable ready : poller.poll(Duration.ofSeconds(1))) {
                    if (ready == server) {
                        poller.add(new HandedOff(server.accept()));
                    } else if (ready instanceof HandedOff handedOff && !echoPending(handedOff.pipe())) {
                        poller.remove(handedOff);
                    }
                }
            }
        } catch (PipeClosedException closed) {
            return;
        }
    }

    /** A pipe the poller sees only through its readiness, so its event loop keeps reading it. */
    private record HandedOff(Pipe pipe) implements Selectable {
        @Override
        public io.pipc.Readiness readiness() {
            return pipe.readiness();
        }
    }

    private static Server threadPerClient(ThreadFactory threads) throws IOException {
        return pipcServer(server -> new Thread(() -> {
            try {
                while (server.isOpen()) {
                    Pipe client = server.accept();
                    threads.newThread(() -> echo(client)).start();
                }
            } catch (PipeClosedException closed) {
                return;
            }
        }, "acceptor"));
    }

    private static void echo(Pipe client) {
        try (client) {
            while (true) {
                client.write(client.read());
            }
        } catch (PeerClosedException | PeerDisconnectedException | PipeClosedException gone) {
            return;
        }
    }

    /** {@code Thread.ofVirtual().factory()}, reached by reflection: the module's bytecode is Java 17's. */
    private static ThreadFactory virtualThreads() throws ReflectiveOperationException {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
    }

    private static Server starter(Map<String, Object> extra) {
        Map<String, Object> properties = new LinkedHashMap<>(Map.of(
                "bench.service-millis", 0,
                "pipc.servers.fan.transport", "tcp",
                "pipc.servers.fan.port", 0,
                "pipc.servers.fan.wire", "python",
                "pipc.servers.fan.codec", "bytes",
                "pipc.servers.fan.gateway", true,
                "pipc.servers.fan.inbound-channel", "echo"));
        properties.putAll(extra);
        ConfigurableApplicationContext context = SpringTcpBenchmark.start(SpringTcpBenchmark.PipcServerApplication.class, properties);
        InetSocketAddress address = (InetSocketAddress) context.getBean("fanPipeServer", PipeServer.class).address();
        return spring(context, address);
    }

    private static Server springIntegration() throws Exception {
        ConfigurableApplicationContext context = SpringTcpBenchmark.start(SpringTcpBenchmark.SpringIntegrationServerApplication.class,
                Map.of("bench.service-millis", 0));
        int port = context.getBean(SpringTcpBenchmark.SpringIntegrationServerApplication.class).port.get(30, TimeUnit.SECONDS);
        return spring(context, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    private static Server spring(ConfigurableApplicationContext context, InetSocketAddress address) {
        return new Server() {
            @Override
            public InetSocketAddress address() {
                return address;
            }

            @Override
            public void close() {
                context.close();
            }
        };
    }

    /** The floor: one thread, one selector, each connection's frames echoed as they complete. */
    static final class RawEchoServer implements Server {

        private final ServerSocketChannel listener;
        private final Selector selector;
        private final Thread thread;

        private RawEchoServer(ServerSocketChannel listener, Selector selector) {
            this.listener = listener;
            this.selector = selector;
            this.thread = new Thread(this::loop, "raw-echo");
        }

        static RawEchoServer start() throws IOException {
            ServerSocketChannel listener = ServerSocketChannel.open();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            listener.configureBlocking(false);
            Selector selector = Selector.open();
            listener.register(selector, SelectionKey.OP_ACCEPT);
            RawEchoServer server = new RawEchoServer(listener, selector);
            server.thread.start();
            return server;
        }

        @Override
        public InetSocketAddress address() {
            return localAddress(listener);
        }

        /** A connection's bytes in and out. */
        private static final class Connection {
            final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            final ByteBuffer out = ByteBuffer.allocate(16 * 1024);
        }

        private void loop() {
            try {
                while (listener.isOpen()) {
                    selector.select();
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            SocketChannel client;
                            while ((client = listener.accept()) != null) {
                                client.configureBlocking(false);
                                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                                client.register(selector, SelectionKey.OP_READ, new Connection());
                            }
                        } else {
                            serve(key);
                        }
                    }
                }
            } catch (IOException closed) {
                return;
            } finally {
                // The selector is closed here, by its own thread: closed from another, it would change the
                // selected keys under this thread's iteration.
                for (SelectionKey key : selector.keys()) {
                    closeQuietly(key.channel());
                }
                closeQuietly(selector);
            }
        }

        private static void closeQuietly(java.io.Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException ignored) {
                return;
            }
        }

        private static void serve(SelectionKey key) throws IOException {
            SocketChannel channel = (SocketChannel) key.channel();
            Connection connection = (Connection) key.attachment();
            try {
                if (key.isReadable() && channel.read(connection.in) < 0) {
                    key.cancel();
                    channel.close();
                    return;
                }
                echoFrames(connection.in, connection.out);
                connection.out.flip();
                channel.write(connection.out);
                connection.out.compact();
                key.interestOps(connection.out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            } catch (IOException gone) {
                key.cancel();
                channel.close();
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            selector.wakeup();
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    static InetSocketAddress localAddress(ServerSocketChannel listener) {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Moves the complete frames {@code in} holds (in write mode) to {@code out}, leaving a partial one
     * in {@code in}, again in write mode.
     */
    static void echoFrames(ByteBuffer in, ByteBuffer out) {
        in.flip();
        while (in.remaining() >= 4 && in.remaining() >= 4 + in.getInt(in.position())) {
            int length = 4 + in.getInt(in.position());
            out.put(in.slice(in.position(), length));
            in.position(in.position() + length);
        }
        in.compact();
    }

    /**
     * The JDK's own blocking sockets with a thread per client: each reads what has arrived,
     * echoes the complete frames and writes them back, blocking in the JDK (a virtual thread
     * parks there, and the JDK's poller wakes it).
     */
    static final class JdkThreadPerClient implements Server {

        private final ServerSocketChannel listener;
        private final Thread acceptor;

        private JdkThreadPerClient(ServerSocketChannel listener, ThreadFactory threads) {
            this.listener = listener;
            this.acceptor = new Thread(() -> accept(threads), "acceptor");
        }

        static JdkThreadPerClient start(ThreadFactory threads) throws IOException {
            ServerSocketChannel listener = ServerSocketChannel.open();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            JdkThreadPerClient server = new JdkThreadPerClient(listener, threads);
            server.acceptor.start();
            return server;
        }

        @Override
        public InetSocketAddress address() {
            return localAddress(listener);
        }

        private void accept(ThreadFactory threads) {
            try {
                while (true) {
                    SocketChannel client = listener.accept();
                    client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    threads.newThread(() -> echo(client)).start();
                }
            } catch (IOException closed) {
                return;
            }
        }

        private static void echo(SocketChannel client) {
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            ByteBuffer out = ByteBuffer.allocate(16 * 1024);
            try (client) {
                while (client.read(in) >= 0) {
                    echoFrames(in, out);
                    out.flip();
                    while (out.hasRemaining()) {
                        client.write(out);
                    }
                    out.clear();
                }
            } catch (IOException gone) {
                return;
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** The load: one thread, one selector, N connections with one request each in flight. */
    static final class Generator implements AutoCloseable {

        private final Selector selector;
        private final Client[] clients;
        private long[] latencies = new long[1 << 20];
        /** The keys one select found ready, in the order they became ready. */
        private final List<SelectionKey> ready = new ArrayList<>();
        private int count;

        /** What the generator holds per connection: the request in flight and the reply so far. */
        private static final class Client {
            final int index;
            final SocketChannel channel;
            final ByteBuffer request = ByteBuffer.allocate(FRAME);
            final ByteBuffer reply = ByteBuffer.allocate(FRAME);
            long sequence;
            long sentAt;

            Client(int index, SocketChannel channel) {
                this.index = index;
                this.channel = channel;
            }
        }

        /** The requests answered in a window of time and their round trips. */
        record Window(long requests, long[] sorted, int starved) {
            double percentile(double p) {
                return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
            }
        }

        Generator(InetSocketAddress address, int n) throws IOException {
            selector = Selector.open();
            clients = new Client[n];
            // Connect without blocking, all at once: a server that accepts slowly costs the set-up time, not a failure.
            for (int i = 0; i < n; i++) {
                SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                clients[i] = new Client(i, channel);
                if (channel.connect(address)) {
                    channel.register(selector, SelectionKey.OP_READ, clients[i]);
                } else {
                    channel.register(selector, SelectionKey.OP_CONNECT, clients[i]);
                }
            }
            int connected = (int) Arrays.stream(clients).filter(c -> c.channel.isConnected()).count();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (connected < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(connected + " of " + n + " clients connected within " + PATIENCE);
                }
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isConnectable() && ((SocketChannel) key.channel()).finishConnect()) {
                        key.interestOps(SelectionKey.OP_READ);
                        connected++;
                    }
                }
                selector.selectedKeys().clear();
            }
            for (Client client : clients) {
                send(client);
            }
        }

        /** Every client's first request, answered or refused: how many answered. */
        long probe() throws IOException {
            long answered = 0;
            long closed = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (answered + closed < clients.length && System.nanoTime() < deadline) {
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    Client client = (Client) key.attachment();
                    try {
                        if (receive(client)) {
                            answered++;
                            key.cancel();
                        }
                    } catch (IOException refused) {
                        closed++;
                        key.cancel();
                    }
                }
                selector.selectedKeys().clear();
            }
            return answered;
        }

        Window run(double seconds) throws IOException {
            count = 0;
            long requests = 0;
            int[] answers = new int[clients.length];
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                // In the order the replies came in: a selected-key set's own order (a hash set's) would
                // serve the same clients last on every pass, and their round trips would be the
                // generator's doing, not the server's.
                ready.clear();
                selector.select(ready::add, 100);
                for (SelectionKey key : ready) {
                    Client client = (Client) key.attachment();
                    if (receive(client)) {
                        record(System.nanoTime() - client.sentAt);
                        answers[client.index]++;
                        requests++;
                        client.sequence++;
                        send(client);
                    }
                }
            }
            int starved = 0;
            long now = System.nanoTime();
            for (Client client : clients) {
                if (answers[client.index] == 0) {
                    // Waiting all along: its round trip is at least this long, and must not simply drop out.
                    record(now - client.sentAt);
                    starved++;
                }
            }
            long[] sorted = Arrays.copyOf(latencies, count);
            Arrays.sort(sorted);
            return new Window(requests, sorted, starved);
        }

        private void record(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }

        private static void send(Client client) throws IOException {
            ByteBuffer request = client.request.clear();
            request.putInt(PAYLOAD).putInt(client.index).putLong(client.sequence);
            for (int i = 12; i < PAYLOAD; i++) {
                request.put((byte) (client.index * 31 + client.sequence + i));
            }
            request.flip();
            client.sentAt = System.nanoTime();
            client.channel.write(request);
            if (request.hasRemaining()) {
                throw new IllegalStateException("a 68-byte request did not fit the empty socket buffer of client " + client.index);
            }
        }

        /** @return whether the client's whole reply is in, checked against its request */
        private static boolean receive(Client client) throws IOException {
            if (client.channel.read(client.reply) < 0) {
                throw new EOFException("the server closed client " + client.index + " after " + client.sequence + " requests");
            }
            if (client.reply.hasRemaining()) {
                return false;
            }
            client.reply.flip();
            client.request.rewind();
            if (!client.reply.equals(client.request)) {
                throw new IllegalStateException("client " + client.index + " got a reply that is not its request " + client.sequence);
            }
            client.reply.clear();
            return true;
        }

        @Override
        public void close() throws IOException {
            for (Client client : clients) {
                if (client != null) {
                    client.channel.close();
                }
            }
            selector.close();
        }
    }
}
