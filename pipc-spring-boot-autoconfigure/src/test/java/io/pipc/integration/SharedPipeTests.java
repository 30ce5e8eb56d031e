package io.pipc.integration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.pipc.PipePair;
import io.pipc.Pipes;
import io.pipc.Transport;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionFailedEvent;
import io.pipc.integration.event.PipeConnectionOpenedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

@Timeout(30)
class SharedPipeTests {

    private final List<Object> events = new CopyOnWriteArrayList<>();

    @Test
    void pipeNotOpenYetSaysWhenItWillOpen() {
        SharedPipe pipe = new SharedPipe("orders", Transport.FIFO);

        assertThat(pipe.isOpen()).isFalse();
        assertThat(pipe.size()).isZero();
        assertThatIllegalStateException().isThrownBy(() -> pipe.write("early"))
                .withMessage("pipe 'orders' is not open yet: it opens when the application context starts");
    }

    @Test
    void pipeThatFailedToOpenSaysWhy() {
        SharedPipe pipe = new SharedPipe("orders", Transport.FIFO);
        pipe.setApplicationEventPublisher(this.events::add);

        pipe.failedToOpen(new IllegalStateException("no peer within 30s"));

        assertThatIllegalStateException().isThrownBy(pipe::read)
                .withMessage("pipe 'orders' is not open: it failed to open (no peer within 30s)");
        assertThat(pipe.state()).isEqualTo(SharedPipe.State.FAILED);
        assertThat(this.events).singleElement().isInstanceOf(PipeConnectionFailedEvent.class);
    }

    @Test
    void attachingOpensItAndApplicationCodeMayReadWhileNoEndpointDoes() {
        PipePair pair = Pipes.pair();
        SharedPipe pipe = new SharedPipe("orders", Transport.IN_PROCESS);
        pipe.setApplicationEventPublisher(this.events::add);

        pipe.attach(pair.left());
        pair.right().write("hello");

        assertThat(pipe.readString(Duration.ofSeconds(10))).isEqualTo("hello");
        assertThat(pipe.state()).isEqualTo(SharedPipe.State.OPEN);
        assertThat(this.events).singleElement().isInstanceOf(PipeConnectionOpenedEvent.class);
    }

    @Test
    void aHandedOverArrayReachesAnInProcessPeerUncopied() {
        PipePair pair = Pipes.pair();
        SharedPipe pipe = new SharedPipe("orders", Transport.IN_PROCESS);
        pipe.attach(pair.left());
        byte[] message = {1, 2, 3};

        pipe.handOver(message);

        assertThat(pair.right().read(Duration.ofSeconds(10))).isSameAs(message);
    }

    @Test
    void closingPublishesClosedOnce() {
        SharedPipe pipe = new SharedPipe("orders", Transport.IN_PROCESS);
        pipe.setApplicationEventPublisher(this.events::add);
        pipe.attach(Pipes.pair().left());

        pipe.close();
        pipe.close();

        assertThat(pipe.state()).isEqualTo(SharedPipe.State.CLOSED);
        assertThat(this.events).filteredOn(PipeConnectionClosedEvent.class::isInstance).hasSize(1);
    }

    @Test
    void sharingASharedPipeReturnsIt() {
        SharedPipe pipe = SharedPipe.of(Pipes.pair().left());

        assertThat(SharedPipe.of(pipe)).isSameAs(pipe);
    }

    @Test
    void attachingTwiceIsRefused() {
        SharedPipe pipe = SharedPipe.of(Pipes.pair().left());

        assertThatIllegalStateException().isThrownBy(() -> pipe.attach(Pipes.pair().left()))
                .withMessageContaining("already attached");
    }
}
