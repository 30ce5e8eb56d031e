package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.management.UnixOperatingSystemMXBean;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an idle client costs a server: 10,000 connections, held by a process of their own, cost
 * the server at most 4 KB each, heap and direct memory together (issue 15).
 */
@Timeout(180)
class IdleClientsMemoryTest {

    private static final int CLIENTS = 10_000;

    private static final long MOST_BYTES_PER_CLIENT = 4096;

    @Test
    void tenThousandIdleClientsCostAServerAtMostFourKilobytesEach() throws Exception {
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long room = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount();
        assumeTrue(room > CLIENTS + 500, "this machine lets the test JVM open " + os.getMaxFileDescriptorCount()
                + " descriptors (" + room + " free); 10,000 idle clients need " + (CLIENTS + 500)
                + ": raise the hard limit (ulimit -Hn) to run it");
        PipeOptions options = PipeOptions.builder().wire(Wire.PYTHON).maxConnections(CLIENTS + 100).build();
        List<Pipe> clients = new ArrayList<>(CLIENTS);
        try (PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options)) {
            long before = usedMemory();
            Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-cp", System.getProperty("java.class.path"), IdleClients.class.getName(),
                    String.valueOf(((InetSocketAddress) server.address()).getPort()), String.valueOf(CLIENTS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try {
                while (clients.size() < CLIENTS) {
                    clients.add(server.accept(Duration.ofSeconds(60)));
                }
                BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("connected " + CLIENTS);
                assertThat(clients).allMatch(Pipe::isOpen);

                long perClient = (usedMemory() - before) / CLIENTS;

                assertThat(perClient)
                        .as("heap and direct memory per idle client, bytes")
                        .isPositive()
                        .isLessThanOrEqualTo(MOST_BYTES_PER_CLIENT);
            } finally {
                holder.getOutputStream().close();
                if (!holder.waitFor(30, TimeUnit.SECONDS)) {
                    holder.destroyForcibly();
                }
            }
        } finally {
            clients.forEach(Pipe::close);
        }
    }

    /** Heap in use after collections, plus the direct buffers' memory. */
    private static long usedMemory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + direct;
    }
}
