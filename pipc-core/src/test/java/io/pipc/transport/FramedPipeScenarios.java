package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;

/**
 * Scenarios every {@link FramedPipe} must pass whatever engine moves its bytes, run by the tests
 * of each engine over its own connected pipes.
 */
public final class FramedPipeScenarios {

    private FramedPipeScenarios() {
    }

    /**
     * The far end writes numbered messages without pause; the near end reads some, stops receiving,
     * and must still get every message written before the far end learnt of the stop, in order,
     * then reply over the same pipe.
     *
     * @param near the end that stops receiving
     * @param far its peer
     * @param threads where the far end's writer runs
     */
    public static void stopReceivingLosesNothingTheBusyPeerWroteAndStillLetsThisEndReply(Pipe near, Pipe far,
            ExecutorService threads) throws Exception {
        Future<Integer> sender = threads.submit(() -> {
            int written = 0;
            try {
                while (true) {
                    far.write(ByteBuffer.allocate(4).putInt(written).array());
                    written++;
                }
            } catch (PeerClosedException stopped) {
                assertThat(stopped).hasMessageContaining("stopped receiving");
                return written;
            }
        });
        for (int i = 0; i < 1000; i++) {
            near.read(Duration.ofSeconds(5));
        }

        near.stopReceiving();

        int read = 1000;
        try {
            while (true) {
                assertThat(ByteBuffer.wrap(near.read(Duration.ofSeconds(5))).getInt()).isEqualTo(read++);
            }
        } catch (PeerClosedException end) {
            assertThat(end).hasMessageContaining("has sent everything");
        }
        assertThat(read).isEqualTo(sender.get(10, TimeUnit.SECONDS));
        near.write("a reply after stopping");
        assertThat(far.readString(Duration.ofSeconds(5))).isEqualTo("a reply after stopping");
        near.close();
        assertThatThrownBy(() -> far.read(Duration.ofSeconds(5))).isInstanceOf(PeerClosedException.class);
    }

    /**
     * The states a connection passes through when this end stops receiving and then closes: its
     * owner moves it OPEN, STOPPING, PEER_FINISHED (the peer's goodbye answered the stop),
     * then through the close to RELEASED; the peer, told of the close, ends too.
     *
     * @param near the end that stops receiving, then closes
     * @param far its peer
     */
    public static void stoppingThenClosingMovesTheLifecycleForward(FramedPipe near, FramedPipe far) {
        assertThat(near.lifecycle()).isEqualTo(FramedPipe.Lifecycle.OPEN);
        assertThat(far.lifecycle()).isEqualTo(FramedPipe.Lifecycle.OPEN);

        near.stopReceiving();
        await().atMost(Duration.ofSeconds(10)).until(() -> near.lifecycle() == FramedPipe.Lifecycle.PEER_FINISHED);
        assertThat(far.lifecycle()).as("a stop refuses the peer's writes, it does not end it").isEqualTo(FramedPipe.Lifecycle.OPEN);

        near.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> near.lifecycle() == FramedPipe.Lifecycle.RELEASED);
        await().atMost(Duration.ofSeconds(10)).until(() -> far.lifecycle() == FramedPipe.Lifecycle.PEER_ENDED
                || far.lifecycle() == FramedPipe.Lifecycle.RELEASED);
    }

    /**
     * A disconnect: this end waits in DISCONNECTING for the peer's goodbye, then lets go; the
     * peer has ended.
     *
     * @param near the end that disconnects
     * @param far its peer, which answers
     */
    public static void aDisconnectEndsBothEnds(FramedPipe near, FramedPipe far) {
        near.disconnect("done");

        await().atMost(Duration.ofSeconds(10)).until(() -> near.lifecycle() == FramedPipe.Lifecycle.RELEASED);
        await().atMost(Duration.ofSeconds(10)).until(() -> far.lifecycle() == FramedPipe.Lifecycle.PEER_ENDED
                || far.lifecycle() == FramedPipe.Lifecycle.RELEASED);
        assertThatThrownBy(() -> far.read(Duration.ofSeconds(5))).isInstanceOf(io.pipc.PeerDisconnectedException.class);
    }
}
