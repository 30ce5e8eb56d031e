package io.pipc.benchmarks;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.PipeServer;

import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.MessagingGateway;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.integration.ip.tcp.connection.CachingClientConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpConnectionServerListeningEvent;
import org.springframework.integration.ip.tcp.connection.TcpNetClientConnectionFactory;
import org.springframework.integration.ip.tcp.connection.TcpNioServerConnectionFactory;
import org.springframework.integration.ip.tcp.inbound.TcpInboundGateway;
import org.springframework.integration.ip.tcp.outbound.TcpOutboundGateway;
import org.springframework.integration.ip.tcp.serializer.ByteArrayLengthHeaderSerializer;

/**
 * The starter's road against Spring Integration's own TCP adapters, the choice a Spring developer
 * weighs it against: in one JVM, each side its own Spring Boot application context (non-web), TCP
 * on loopback, the same {@code @ServiceActivator} echo, called through the same
 * {@code @MessagingGateway} interface.
 *
 * <ul>
 * <li>pipc: a server with {@code gateway: true} and a client pipe with {@code mode: connect} and
 * {@code gateway: true}, both from properties, defaults otherwise.</li>
 * <li>Spring Integration: {@code TcpNioServerConnectionFactory} + {@code TcpInboundGateway};
 * the client a {@code TcpOutboundGateway} over a {@code CachingClientConnectionFactory} of 64
 * {@code TcpNetClientConnectionFactory} connections; {@code ByteArrayLengthHeaderSerializer} and
 * {@code TCP_NODELAY} on both sides, defaults otherwise (its largest message raised to 64 KiB
 * from 2 KiB, so that 4 KiB requests fit).</li>
 * </ul>
 *
 * Requests per second with 1, 16 and 64 calling threads; with one caller, the process's CPU time
 * per request (both ends, since both live in this JVM) as the secondary metrics {@code cpuNanos}
 * and {@code requests}, and on Linux the threads' sleeps and preemptions in the same time
 * ({@code threadSleeps}, {@code preemptions}); the round trip of one request in flight, sampled
 * one by one; and a service that takes 1 ms ({@code Thread.sleep(1)}, standing for a database call) with 64
 * callers.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SpringTcpBenchmark {

    private static final int MAX_MESSAGE = 64 * 1024;

    /**
     * What both clients' callers call. Boot's Spring Integration auto-configuration makes the
     * proxy, as it does for any {@code @MessagingGateway} in the application's packages.
     */
    @MessagingGateway(defaultRequestChannel = "echoRequests")
    public interface Echo {
        byte[] echo(byte[] request);
    }

    /** The service both servers call: the request back, after {@code bench.service-millis}. */
    public static final class EchoService {

        private final long millis;

        EchoService(long millis) {
            this.millis = millis;
        }

        @ServiceActivator(inputChannel = "echo")
        public byte[] echo(byte[] request) throws InterruptedException {
            if (millis > 0) {
                Thread.sleep(millis);
            }
            return request;
        }
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class PipcServerApplication {

        @Bean
        EchoService echoService(@Value("${bench.service-millis}") long millis) {
            return new EchoService(millis);
        }
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class PipcClientApplication {
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class SpringIntegrationServerApplication {

        final CompletableFuture<Integer> port = new CompletableFuture<>();

        @Bean
        EchoService echoService(@Value("${bench.service-millis}") long millis) {
            return new EchoService(millis);
        }

        @Bean
        TcpNioServerConnectionFactory serverConnections() {
            TcpNioServerConnectionFactory connections = new TcpNioServerConnectionFactory(0);
            connections.setLocalAddress("127.0.0.1");
            connections.setSerializer(serializer());
            connections.setDeserializer(serializer());
            connections.setSoTcpNoDelay(true);
            return connections;
        }

        @Bean
        TcpInboundGateway inboundGateway(TcpNioServerConnectionFactory serverConnections) {
            TcpInboundGateway gateway = new TcpInboundGateway();
            gateway.setConnectionFactory(serverConnections);
            gateway.setRequestChannelName("echo");
            return gateway;
        }

        @EventListener
        void listening(TcpConnectionServerListeningEvent event) {
            port.complete(event.getPort());
        }
    }

    @SpringBootConfiguration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class SpringIntegrationClientApplication {

        @Bean
        TcpNetClientConnectionFactory connections(@Value("${bench.port}") int port) {
            TcpNetClientConnectionFactory connections = new TcpNetClientConnectionFactory("127.0.0.1", port);
            connections.setSerializer(serializer());
            connections.setDeserializer(serializer());
            connections.setSoTcpNoDelay(true);
            return connections;
        }

        @Bean
        CachingClientConnectionFactory clientConnections(TcpNetClientConnectionFactory connections) {
            return new CachingClientConnectionFactory(connections, 64);
        }

        @Bean
        @ServiceActivator(inputChannel = "echoRequests")
        TcpOutboundGateway outboundGateway(CachingClientConnectionFactory clientConnections) {
            TcpOutboundGateway gateway = new TcpOutboundGateway();
            gateway.setConnectionFactory(clientConnections);
            return gateway;
        }
    }

    static ByteArrayLengthHeaderSerializer serializer() {
        ByteArrayLengthHeaderSerializer serializer = new ByteArrayLengthHeaderSerializer();
        serializer.setMaxMessageSize(MAX_MESSAGE);
        return serializer;
    }

    static ConfigurableApplicationContext start(Class<?> application, Map<String, Object> properties) {
        return new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .properties(Map.of("spring.main.banner-mode", "off", "logging.level.root", "warn"))
                .properties(properties)
                .run();
    }

    /** A server application and a client application talking over loopback, started per trial. */
    @State(Scope.Benchmark)
    public abstract static class Applications {

        private @Nullable ConfigurableApplicationContext server;
        private @Nullable ConfigurableApplicationContext client;
        // Set by open(), which the trial's set-up calls.
        @SuppressWarnings("NullAway.Init")
        Echo echo;
        // Set by open(), which the trial's set-up calls.
        @SuppressWarnings("NullAway.Init")
        byte[] message;

        private final boolean pipc;
        private final long serviceMillis;

        Applications(boolean pipc, long serviceMillis) {
            this.pipc = pipc;
            this.serviceMillis = serviceMillis;
        }

        int size() {
            return 64;
        }

        private void open() throws Exception {
            message = new byte[size()];
            Map<String, Object> service = Map.of("bench.service-millis", serviceMillis);
            if (pipc) {
                server = SpringTcpBenchmark.start(PipcServerApplication.class, merge(service, Map.of(
                        "pipc.servers.echo.transport", "tcp",
                        "pipc.servers.echo.port", 0,
                        "pipc.servers.echo.gateway", true,
                        "pipc.servers.echo.inbound-channel", "echo")));
                int port = ((InetSocketAddress) server.getBean("echoPipeServer", PipeServer.class).address()).getPort();
                client = SpringTcpBenchmark.start(PipcClientApplication.class, Map.of(
                        "pipc.pipes.echo.transport", "tcp",
                        "pipc.pipes.echo.mode", "connect",
                        "pipc.pipes.echo.port", port,
                        "pipc.pipes.echo.gateway", true,
                        "pipc.pipes.echo.outbound-channel", "echoRequests"));
            } else {
                server = SpringTcpBenchmark.start(SpringIntegrationServerApplication.class, service);
                int port = server.getBean(SpringIntegrationServerApplication.class).port.get(30, TimeUnit.SECONDS);
                client = SpringTcpBenchmark.start(SpringIntegrationClientApplication.class, Map.of("bench.port", port));
            }
            echo = client.getBean(Echo.class);
            byte[] answer = echo.echo(message);
            if (answer == null || answer.length != message.length) {
                throw new IllegalStateException("the echo did not answer with the request");
            }
        }

        @Setup(Level.Trial)
        public void start() throws Exception {
            try {
                open();
            } catch (Exception | Error e) {
                // JMH tears down nothing whose set-up failed; the contexts' threads would keep the fork alive.
                stop();
                throw e;
            }
        }

        private static Map<String, Object> merge(Map<String, Object> first, Map<String, Object> second) {
            Map<String, Object> all = new HashMap<>(first);
            all.putAll(second);
            return all;
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    public static class Pipc extends Applications {

        @Param({"64", "4096"})
        public int size;

        public Pipc() {
            super(true, 0);
        }

        @Override
        int size() {
            return size;
        }
    }

    public static class SpringIntegration extends Applications {

        @Param({"64", "4096"})
        public int size;

        public SpringIntegration() {
            super(false, 0);
        }

        @Override
        int size() {
            return size;
        }
    }

    public static class Pipc64 extends Applications {
        public Pipc64() {
            super(true, 0);
        }
    }

    public static class SpringIntegration64 extends Applications {
        public SpringIntegration64() {
            super(false, 0);
        }
    }

    /** 64 B to a service that takes 1 ms. */
    public static class PipcSlowService extends Applications {
        public PipcSlowService() {
            super(true, 1);
        }
    }

    /** 64 B to a service that takes 1 ms. */
    public static class SpringIntegrationSlowService extends Applications {
        public SpringIntegrationSlowService() {
            super(false, 1);
        }
    }

    /**
     * CPU time of the whole process (both applications, the JIT and the collector included) over
     * each iteration, and the requests made in it: their quotient is the CPU per request. On
     * Linux also how often the process's threads slept and were woken ({@code threadSleeps}) and
     * were preempted ({@code preemptions}) meanwhile (see {@link ContextSwitches}): per request,
     * the wake-ups on its path.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Cpu {

        private static final com.sun.management.OperatingSystemMXBean SYSTEM =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        public long cpuNanos;
        public long requests;
        public long threadSleeps;
        public long preemptions;
        private long start;
        private ContextSwitches.@Nullable Counts switchesBefore;

        @Setup(Level.Iteration)
        public void begin() {
            cpuNanos = 0;
            requests = 0;
            threadSleeps = 0;
            preemptions = 0;
            switchesBefore = ContextSwitches.now();
            start = SYSTEM.getProcessCpuTime();
        }

        @TearDown(Level.Iteration)
        public void end() {
            cpuNanos = SYSTEM.getProcessCpuTime() - start;
            ContextSwitches.Counts after = ContextSwitches.now();
            if (switchesBefore != null && after != null) {
                ContextSwitches.Counts during = after.since(switchesBefore);
                threadSleeps = during.sleeps();
                preemptions = during.preemptions();
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public byte[] callers01Pipc(Pipc pipc, Cpu cpu) {
        cpu.requests++;
        return pipc.echo.echo(pipc.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(16)
    public byte[] callers16Pipc(Pipc pipc) {
        return pipc.echo.echo(pipc.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(64)
    public byte[] callers64Pipc(Pipc pipc) {
        return pipc.echo.echo(pipc.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public byte[] callers01SpringIntegration(SpringIntegration si, Cpu cpu) {
        cpu.requests++;
        return si.echo.echo(si.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(16)
    public byte[] callers16SpringIntegration(SpringIntegration si) {
        return si.echo.echo(si.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(64)
    public byte[] callers64SpringIntegration(SpringIntegration si) {
        return si.echo.echo(si.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripPipc(Pipc64 pipc) {
        return pipc.echo.echo(pipc.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] roundTripSpringIntegration(SpringIntegration64 si) {
        return si.echo.echo(si.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(64)
    public byte[] slowServicePipc(PipcSlowService pipc) {
        return pipc.echo.echo(pipc.message);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(64)
    public byte[] slowServiceSpringIntegration(SpringIntegrationSlowService si) {
        return si.echo.echo(si.message);
    }
}
