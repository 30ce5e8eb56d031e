package io.pipc.sample;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.pipc.PipeOptions;
import io.pipc.PipeProcess;
import io.pipc.integration.event.PipeServerListeningEvent;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.system.ApplicationHome;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Starts the demo's worker, a copy of this application, as soon as both of the coordinator's
 * servers listen: then the real TCP port (the servers ask for port 0) is known and can be
 * handed to the worker, and the coordinator's named pipe, which opens next, meets the worker's.
 */
@Component
@Profile("demo")
class WorkerLauncher {

    private final Environment environment;
    private final Map<String, Object> addresses = new ConcurrentHashMap<>();
    private volatile @Nullable PipeProcess worker;

    WorkerLauncher(Environment environment) {
        this.environment = environment;
    }

    @EventListener
    void serverListening(PipeServerListeningEvent event) {
        addresses.put(event.getPipeName(), event.getAddress());
        if (addresses.containsKey("tcp") && addresses.containsKey("unix") && worker == null) {
            int tcpPort = ((InetSocketAddress) addresses.get("tcp")).getPort();
            worker = PipeProcess.start(command(tcpPort), PipeOptions.builder().connectTimeout(Duration.ofSeconds(60)).build());
        }
    }

    /**
     * @return the worker, started during the application's start
     */
    PipeProcess worker() {
        PipeProcess started = worker;
        if (started == null) {
            throw new IllegalStateException("the worker was not started: the servers 'tcp' and 'unix' never listened");
        }
        return started;
    }

    /** This very application again, from its jar or its classpath, as the worker. */
    private ProcessBuilder command(int tcpPort) {
        List<String> arguments = new ArrayList<>(List.of(
                SampleApplication.WORKER,
                "--sample.run=" + environment.getRequiredProperty("sample.run"),
                "--sample.tcp-port=" + tcpPort,
                "--sample.requests=" + environment.getProperty("sample.requests", "2000")));
        String directory = environment.getProperty("pipc.directory");
        if (directory != null) {
            arguments.add("--pipc.directory=" + directory);
        }
        // From the jar, its manifest allows jffi's native access (JDK 22 and later warn without);
        // from a classpath, this option does. JDK 17 accepts it too.
        List<String> jvm = List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED");
        // The worker's standard output is the pipe: the JVM's own warnings must go to stderr.
        List<String> quietJvm = List.of("-Xlog:disable", "-Xlog:all=warning:stderr");
        File source = new ApplicationHome(SampleApplication.class).getSource();
        if (source != null && source.isFile() && source.getName().endsWith(".jar")) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm);
            command.addAll(quietJvm);
            command.add("-jar");
            command.add(source.getAbsolutePath());
            command.addAll(arguments);
            return new ProcessBuilder(command);
        }
        return PipeProcess.javaCommand(SampleApplication.class, jvm, arguments);
    }
}
