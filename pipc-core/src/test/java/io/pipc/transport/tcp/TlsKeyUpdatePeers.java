package io.pipc.transport.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

/**
 * A child JVM for {@link TcpTlsTest}, started with a tiny {@code jdk.tls.keyLimits} so that TLS
 * 1.3 key updates happen every few records: a server and a client in this JVM stream messages
 * both ways at once and check every byte. Exits 0 when all arrived intact, 1 otherwise.
 */
public final class TlsKeyUpdatePeers {

    private TlsKeyUpdatePeers() {
    }

    public static void main(String[] args) throws Exception {
        TestCertificates certificates = TestCertificates.load(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        PipeOptions.builder().sslContext(certificates.server()).build());
                Pipe client = Pipes.connect(new InetSocketAddress("localhost", ((InetSocketAddress) server.address()).getPort()),
                        PipeOptions.builder().sslContext(certificates.client()).build());
                Pipe serverSide = server.accept(Duration.ofSeconds(10))) {
            byte[][] messages = new byte[count][];
            Random random = new Random(7);
            for (int i = 0; i < count; i++) {
                messages[i] = new byte[random.nextInt(20_000)];
                random.nextBytes(messages[i]);
            }
            Future<?> fromClient = writers.submit(() -> Arrays.stream(messages).forEach(client::write));
            Future<?> fromServer = writers.submit(() -> Arrays.stream(messages).forEach(serverSide::write));
            for (int i = 0; i < count; i++) {
                if (!Arrays.equals(serverSide.read(Duration.ofSeconds(10)), messages[i])
                        || !Arrays.equals(client.read(Duration.ofSeconds(10)), messages[i])) {
                    System.out.println("message " + i + " differs");
                    System.exit(1);
                }
            }
            fromClient.get();
            fromServer.get();
            System.out.println("all " + count + " messages intact both ways");
        } finally {
            writers.shutdownNow();
        }
    }
}
