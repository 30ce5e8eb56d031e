package io.pipc.transport.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.CodecException;
import io.pipc.Envelope;
import io.pipc.MessageTooLargeException;
import io.pipc.PeerClosedException;
import io.pipc.PeerDisconnectedException;
import io.pipc.Pipe;
import io.pipc.PipeClosedException;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.testing.Allocations;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.awaitility.Awaitility.await;

@Timeout(30)
class InProcessPipeTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<PipePair> pairs = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        pairs.forEach(PipePair::close);
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private PipePair pair(PipeOptions options) {
        PipePair pair = Pipes.pair(options);
        pairs.add(pair);
        return pair;
    }

    private PipePair pair() {
        return pair(PipeOptions.defaults());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 64 * 1024, 4 * 1024 * 1024})
    void messagesOfEverySizeRoundTripIntact(int size) {
        PipePair pair = pair();
        byte[] message = new byte[size];
        new Random(size).nextBytes(message);

        pair.left().write(message);
        byte[] received = pair.right().read(Duration.ofSeconds(5));
        pair.right().write(received);

        assertThat(pair.left().read(Duration.ofSeconds(5))).isEqualTo(message);
    }

    @Test
    void endsAreNamedAfterThePairAndReportTheirTransport() {
        PipePair pair = pair(PipeOptions.builder().name("jobs").build());

        assertThat(pair.left().name()).isEqualTo("jobs.left");
        assertThat(pair.right().name()).isEqualTo("jobs.right");
        assertThat(pair.left().transport()).isEqualTo(Transport.IN_PROCESS);
    }

    @Test
    void writerMayReuseItsArrayOnceWriteReturns() {
        PipePair pair = pair();
        byte[] buffer = "first".getBytes(StandardCharsets.UTF_8);

        pair.left().write(buffer);
        Arrays.fill(buffer, (byte) 'x');

        assertThat(pair.right().readString()).isEqualTo("first");
    }

    @Test
    void handOverGivesTheReaderTheWritersArrayItself() {
        PipePair pair = pair();
        byte[] message = "mine no more".getBytes(StandardCharsets.UTF_8);

        pair.left().handOver(message);

        assertThat(pair.right().read(Duration.ofSeconds(5))).isSameAs(message);
    }

    @Test
    void aMessageWithoutHeadersIsReadAsAPlainEnvelopeAndOneWithHeadersKeepsThem() {
        PipePair pair = pair();
        pair.left().write(new byte[] {1});
        pair.left().write(Envelope.of(new byte[] {2}));
        pair.left().write(new Envelope(new byte[] {3}, "id-3", "text/plain"));
        pair.left().write(new Envelope(new byte[] {4}, "id-4", null));

        Envelope first = pair.right().readEnvelope(Duration.ofSeconds(5));
        assertThat(first.payload()).containsExactly(1);
        assertThat(first.hasHeaders()).isFalse();
        assertThat(pair.right().read(Duration.ofSeconds(5))).containsExactly(2);
        assertThat(pair.right().read(Duration.ofSeconds(5))).containsExactly(3);
        Envelope fourth = pair.right().readEnvelope(Duration.ofSeconds(5));
        assertThat(fourth.payload()).containsExactly(4);
        assertThat(fourth.correlationId()).isEqualTo("id-4");
    }

    /**
     * The allocation target of issue 10: a plain write and its read allocate the payload's copy
     * and nothing else (no envelope to hold it in the queue). Counted on one thread, which both
     * writes and reads, by the JVM's per-thread allocation counter, once the loop is compiled.
     */
    @Test
    void aPlainWriteAndItsReadAllocateOnlyThePayloadsCopy() {
        PipePair pair = pair();
        byte[] message = new byte[64];
        byte[] handedOver = new byte[64];

        long copying = Allocations.leastPerRound(50, 20_000, () -> {
            pair.left().write(message);
            pair.right().read();
        });
        long handingOver = Allocations.leastPerRound(50, 20_000, () -> {
            pair.left().handOver(handedOver);
            pair.right().read();
        });

        // A 64-byte array takes 80 bytes (16 of header); an envelope would add 24 more.
        assertThat(copying).as("bytes allocated per copying write and read").isLessThanOrEqualTo(80 + 8);
        assertThat(handingOver).as("bytes allocated per hand-over and read").isLessThanOrEqualTo(8);
    }

    @Test
    void handOverWaitsForRoomAndTimesOutWithoutQueueingAnything() {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(1, 1024).writeTimeout(Duration.ofMillis(50)).build());
        byte[] first = {1};
        byte[] second = {2};
        pair.left().handOver(first);

        assertThatThrownBy(() -> pair.left().handOver(second))
                .isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("nothing was written");
        assertThat(pair.right().pending()).containsExactly(first);
    }

    @Test
    void handOverRefusesAMessageOverTheLimitAndAClosedEnd() {
        PipePair pair = pair(PipeOptions.builder().maxMessageSize(4).build());

        assertThatThrownBy(() -> pair.left().handOver(new byte[5])).isInstanceOf(MessageTooLargeException.class);
        pair.left().close();
        assertThatThrownBy(() -> pair.left().handOver(new byte[1])).isInstanceOf(PipeClosedException.class);
        assertThat(pair.right().size()).isZero();
    }

    /** A copying writer reuses one array, as it may; a handing-over writer gives up a fresh one each time. */
    @ParameterizedTest(name = "handOver={0}")
    @ValueSource(booleans = {false, true})
    void orderIsKeptOverAMillionMessagesBetweenTwoThreads(boolean handOver) throws Exception {
        PipePair pair = pair();
        int count = 1_000_000;
        Future<?> writer = threads.submit(() -> {
            byte[] reused = new byte[4];
            for (int i = 0; i < count; i++) {
                byte[] message = handOver ? new byte[4] : reused;
                writeInt(message, 0, i);
                if (handOver) {
                    pair.left().handOver(message);
                } else {
                    pair.left().write(message);
                }
            }
        });

        for (int expected = 0; expected < count; expected++) {
            int received = readInt(pair.right().read(), 0);
            if (received != expected) {
                assertThat(received).as("message number").isEqualTo(expected);
            }
        }
        writer.get(10, TimeUnit.SECONDS);
        assertThat(pair.right().size()).isZero();
    }

    @Test
    void twoWritersAndTwoReadersLoseDuplicateAndInterleaveNothing() throws Exception {
        PipePair pair = pair(PipeOptions.builder().queueCapacity(64, 1 << 20).build());
        int perWriter = 50_000;
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writerId = w;
            writers.add(threads.submit(() -> {
                for (int i = 0; i < perWriter; i++) {
                    // A message whose every byte says who wrote it: interleaving would mix them.
                    byte[] message = new byte[16 + i % 200];
                    Arrays.fill(message, (byte) writerId);
                    message[0] = (byte) writerId;
                    writeInt(message, 1, i);
                    pair.left().write(message);
                }
            }));
        }
        List<Future<List<byte[]>>> readers = new ArrayList<>();
        int total = 2 * perWriter;
        CountDownLatch allRead = new CountDownLatch(total);
        for (int r = 0; r < 2; r++) {
            readers.add(threads.submit(() -> {
                List<byte[]> mine = new ArrayList<>();
                while (allRead.getCount() > 0) {
                    try {
                        mine.add(pair.right().read(Duration.ofMillis(100)));
                        allRead.countDown();
                    } catch (PipeTimeoutException idle) {
                        // the other reader may have taken the last ones
                    }
                }
                return mine;
            }));
        }
        for (Future<?> writer : writers) {
            writer.get(20, TimeUnit.SECONDS);
        }
        assertThat(allRead.await(20, TimeUnit.SECONDS)).isTrue();

        boolean[][] seen = new boolean[2][perWriter];
        int received = 0;
        for (Future<List<byte[]>> reader : readers) {
            for (byte[] message : reader.get(20, TimeUnit.SECONDS)) {
                int writerId = message[0];
                int number = readInt(message, 1);
                assertThat(message).hasSize(16 + number % 200);
                for (int i = 5; i < message.length; i++) {
                    assertThat(message[i]).as("byte %d of message %d from writer %d", i, number, writerId).isEqualTo((byte) writerId);
                }
                assertThat(seen[writerId][number]).as("duplicate %d from writer %d", number, writerId).isFalse();
                seen[writerId][number] = true;
                received++;
            }
        }
        assertThat(received).isEqualTo(total);
    }

    @Test
    void pendingAndSizeAgreeWithWhatWasWritten() {
        PipePair pair = pair();
        assertThat(pair.right().size()).isZero();
        assertThat(pair.right().pending()).isEmpty();

        for (int i = 0; i < 5; i++) {
            pair.left().write("m" + i);
        }

        assertThat(pair.right().size()).isEqualTo(5);
        List<byte[]> pending = pair.right().pending();
        assertThat(pending).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(pair.right().size()).isZero();
        assertThat(pair.right().pending()).isEmpty();
    }

    @Test
    void pendingEnvelopesKeepTheHeaders() {
        PipePair pair = pair();
        pair.left().write(new Envelope("a".getBytes(StandardCharsets.UTF_8), "1", "text/plain"));
        pair.left().write("b");

        List<Envelope> pending = pair.right().pendingEnvelopes();

        assertThat(pending).extracting(Envelope::correlationId).containsExactly("1", null);
        assertThat(pending).extracting(Envelope::contentType).containsExactly("text/plain", null);
        assertThat(pair.right().size()).isZero();
    }

    @Test
    void readTimeoutFiresWhenEmptyAndNotWhenAMessageIsQueued() {
        PipePair pair = pair();

        assertThatThrownBy(() -> pair.right().read(Duration.ofMillis(50)))
                .isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining(pair.right().name())
                .hasMessageContaining("PT0.05S");

        pair.left().write("here");
        assertThat(pair.right().readString(Duration.ofMillis(50))).isEqualTo("here");
    }

    @Test
    void zeroTimeoutReadReturnsAQueuedMessageWithoutWaiting() {
        PipePair pair = pair();
        pair.left().write("now");

        assertThat(pair.right().readString(Duration.ZERO)).isEqualTo("now");
        assertThatThrownBy(() -> pair.right().read(Duration.ZERO)).isInstanceOf(PipeTimeoutException.class);
    }

    private static void writeInt(byte[] target, int offset, int value) {
        target[offset] = (byte) (value >>> 24);
        target[offset + 1] = (byte) (value >>> 16);
        target[offset + 2] = (byte) (value >>> 8);
        target[offset + 3] = (byte) value;
    }

    private static int readInt(byte[] source, int offset) {
        return (source[offset] & 0xff) << 24 | (source[offset + 1] & 0xff) << 16 | (source[offset + 2] & 0xff) << 8 | source[offset + 3] & 0xff;
    }
}
