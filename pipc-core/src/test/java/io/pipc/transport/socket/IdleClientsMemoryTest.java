package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.management.UnixOperatingSystemMXBean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an idle client costs a server: 10,000 connections cost the server at most 4 KB each,
 * heap and direct memory together (issue 15). The server runs in a process of its own
 * ({@link IdleServer}), which measures itself; this test holds the clients.
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
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), IdleServer.class.getName(),
                String.valueOf(CLIENTS))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        List<SocketChannel> clients = new ArrayList<>(CLIENTS);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String port = out.readLine();
            assertThat(port).as("the server's first line").startsWith("port ");
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    Integer.parseInt(port.substring("port ".length())));
            while (clients.size() < CLIENTS) {
                clients.add(SocketChannel.open(address));
            }
            String cost = out.readLine();
            assertThat(cost).as("the server's second line").startsWith("bytes-per-client ");
            long perClient = Long.parseLong(cost.substring("bytes-per-client ".length()));

            assertThat(perClient)
                    .as("heap and direct memory per idle client, bytes")
                    .isPositive()
                    .isLessThanOrEqualTo(MOST_BYTES_PER_CLIENT);
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            for (SocketChannel client : clients) {
                client.close();
            }
        }
    }
}
