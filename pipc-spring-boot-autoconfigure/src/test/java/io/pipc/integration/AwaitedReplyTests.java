package io.pipc.integration;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.messaging.Message;
import org.springframework.messaging.support.GenericMessage;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class AwaitedReplyTests {

    private final PipeInboundGateway.AwaitedReply replyTo = new PipeInboundGateway.AwaitedReply();

    @Test
    void theFirstReplyIsKeptAndASecondIsDroppedWithoutFailingItsSender() throws InterruptedException {
        Message<String> first = new GenericMessage<>("first");

        assertThat(this.replyTo.send(first)).isTrue();
        assertThat(this.replyTo.send(new GenericMessage<>("second"))).isTrue();

        assertThat(this.replyTo.await(Duration.ofSeconds(10))).isSameAs(first);
    }

    @Test
    void aReplyAfterTheWaiterGaveUpIsDroppedWithoutFailingItsSender() throws InterruptedException {
        assertThat(this.replyTo.await(Duration.ZERO)).isNull();

        assertThat(this.replyTo.send(new GenericMessage<>("late"))).isTrue();

        assertThat(this.replyTo.giveUp()).isNull();
    }

    @Test
    void aNegativeTimeoutWaitsUntilTheReplyComes() throws Exception {
        ExecutorService waiting = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<Message<?>> awaited = CompletableFuture.supplyAsync(() -> {
                try {
                    return this.replyTo.await(Duration.ofMillis(-1));
                }
                catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            }, waiting);
            Message<String> reply = new GenericMessage<>("reply");

            assertThat(this.replyTo.send(reply)).isTrue();

            assertThat(awaited.get(10, TimeUnit.SECONDS)).isSameAs(reply);
        }
        finally {
            waiting.shutdownNow();
        }
    }
}
