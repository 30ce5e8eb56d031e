package io.pipc.transport.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server's inbound buffer ({@link PipeOptions#maxInboundBuffer()}): clients that write to a
 * server whose application does not read hold at most that much of its memory together, none of
 * them fails for it, and everything arrives once the application reads.
 */
@Timeout(60)
class ServerInboundBufferTest {

    enum Family { TCP, UNIX }

    private static final int BUFFER = 256 * 1024;
    private static final int CLIENTS = 6;
    private static final int MESSAGES = 1000;
    private static final int MESSAGE_SIZE = 4096;
    /**
     * Beyond the limit: for each client, the rest of a partial message (its whole size counts once
     * its header arrived) and a handshake's read of 512 bytes, if it was handshaking while the
     * buffer was spent. Before reads claimed their room, loops reading 64 KiB each at once and
     * uncounted reads that ended a handshake went 308 KiB over on one machine.
     */
    private static final int SLACK = CLIENTS * (MESSAGE_SIZE + 512);

    @TempDir
    Path directory;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void clientsOfAServerThatDoesNotReadHoldNoMoreThanItsBufferAndEverythingArrivesOnceItReads(Family family)
            throws Exception {
        PipeOptions options = PipeOptions.builder().maxInboundBuffer(BUFFER).writeTimeout(Duration.ofSeconds(50)).build();
        PipeServer server = Pipes.server(addressFor(family), options);
        toClose.add(server);
        AtomicLong written = new AtomicLong();
        List<Future<?>> writers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int id = c;
            writers.add(threads.submit(() -> {
                try (Pipe pipe = Pipes.connect(server.address(), options)) {
                    for (int i = 0; i < MESSAGES; i++) {
                        pipe.write(ByteBuffer.allocate(MESSAGE_SIZE).putInt(id).putInt(i).array());
                        written.addAndGet(MESSAGE_SIZE);
                    }
                    pipe.flush();
                }
                return null;
            }));
        }

        // The application accepts nobody and reads nothing, while the writers push far more than the buffer.
        AtomicLong peak = new AtomicLong();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2)).until(() -> {
            peak.accumulateAndGet(server.bufferedBytes(), Math::max);
            return server.bufferedBytes() >= BUFFER && written.get() >= 8L * BUFFER;
        });
        // What the writers got through beyond this waits in the kernel's socket buffers, not in the server's heap.
        assertThat(peak.get()).as("bytes the server held for its clients").isLessThanOrEqualTo(BUFFER + SLACK);

        // Now it reads, one client after the other: each is read on while the others still fill the buffer.
        for (int c = 0; c < CLIENTS; c++) {
            try (Pipe pipe = server.accept(Duration.ofSeconds(10))) {
                int id = -1;
                for (int i = 0; i < MESSAGES; i++) {
                    ByteBuffer message = ByteBuffer.wrap(pipe.read(Duration.ofSeconds(20)));
                    assertThat(message.remaining()).isEqualTo(MESSAGE_SIZE);
                    id = i == 0 ? message.getInt() : id;
                    assertThat(i == 0 ? id : message.getInt()).isEqualTo(id);
                    assertThat(message.getInt()).as("message of client %d", id).isEqualTo(i);
                }
            }
        }
        for (Future<?> writer : writers) {
            writer.get(20, TimeUnit.SECONDS);
        }
        assertThat(written.get()).isEqualTo((long) CLIENTS * MESSAGES * MESSAGE_SIZE);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.bufferedBytes() == 0);
    }

    private SocketAddress addressFor(Family family) {
        return family == Family.TCP ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)
                : UnixDomainSocketAddress.of(directory.resolve("s.sock"));
    }
}
