package io.pipc.boot.autoconfigure.app.busy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.pipc.PeerClosedException;
import io.pipc.Pipe;
import io.pipc.PipeException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer that streams m0, m1, ... (each padded to about 1 KiB, so that the sockets' buffers do
 * not hold hundreds of thousands of them) to an application until a write throws, and, for a gateway,
 * reads the replies until the application's goodbye; then checks that nothing it wrote
 * successfully went unanswered and that the application said goodbye.
 */
public final class StreamingPeer implements AutoCloseable {

    private static final String PADDING = "|" + ".".repeat(1000);

    private final String name;

    private final Pipe pipe;

    private final AtomicInteger written = new AtomicInteger();

    private final CompletableFuture<PipeException> refused = new CompletableFuture<>();

    private final List<String> replies = new ArrayList<>();

    private final CompletableFuture<PipeException> ended = new CompletableFuture<>();

    private final Thread writer;

    private final Thread reader;

    /**
     * @param name the endpoint it feeds, for messages
     * @param pipe its pipe to the application
     * @param replyPrefix what the application puts before each answer, or null for a peer that
     *        expects none (it then reads only the goodbye)
     */
    public StreamingPeer(String name, Pipe pipe, String replyPrefix) {
        this.name = name;
        this.pipe = pipe;
        this.writer = new Thread(this::write, name + "-writer");
        this.reader = new Thread(() -> read(replyPrefix), name + "-reader");
        this.writer.setDaemon(true);
        this.reader.setDaemon(true);
    }

    /**
     * @return this, writing and reading
     */
    public StreamingPeer start() {
        this.writer.start();
        this.reader.start();
        return this;
    }

    /**
     * @return how many writes returned so far
     */
    public int written() {
        return this.written.get();
    }

    /**
     * @return how many replies arrived so far
     */
    public int replies() {
        synchronized (this.replies) {
            return this.replies.size();
        }
    }

    /**
     * Waits for the write the stopping application refused and for the end of its replies.
     *
     * @param replyPrefix what the application puts before each answer, or null for no answers
     * @return how the stream ended
     * @throws Exception when waiting fails
     */
    public Outcome finish(String replyPrefix) throws Exception {
        PipeException refusal = this.refused.get(60, TimeUnit.SECONDS);
        PipeException end = this.ended.get(60, TimeUnit.SECONDS);
        int answered = 0;
        if (replyPrefix != null) {
            synchronized (this.replies) {
                while (answered < this.replies.size()
                        && this.replies.get(answered).equals(replyPrefix + "m" + answered)) {
                    answered++;
                }
            }
        }
        return new Outcome(this.name, this.written.get(), answered, refusal, end);
    }

    /**
     * Checks, as {@link #finish} tells, that every successful write was answered in order (for a
     * gateway), and that the refusal and the end were orderly (a goodbye, not a reset or a
     * vanished peer).
     *
     * @param replyPrefix what the application puts before each answer, or null for no answers
     * @return how many writes succeeded
     * @throws Exception when waiting fails
     */
    public int assertEverythingAnsweredAndGoodbye(String replyPrefix) throws Exception {
        Outcome outcome = finish(replyPrefix);
        assertThat(outcome.refusal()).as("%s: the write the stopping application refused", this.name)
                .isInstanceOf(PeerClosedException.class);
        assertThat(outcome.refusal().getMessage()).as("%s: the refusal", this.name).doesNotContainIgnoringCase("reset")
                .doesNotContain("without saying goodbye");
        assertThat(outcome.end()).as("%s: the end of the replies", this.name).isInstanceOf(PeerClosedException.class);
        assertThat(outcome.end().getMessage()).as("%s: the end of the replies", this.name).endsWith(" closed")
                .doesNotContain("without saying goodbye").doesNotContainIgnoringCase("reset");
        if (replyPrefix != null) {
            assertThat(outcome.answered()).as("%s: requests answered in order, of the %d written", this.name,
                    outcome.written()).isEqualTo(outcome.written());
            synchronized (this.replies) {
                assertThat(this.replies.size()).as("%s: replies", this.name).isEqualTo(outcome.written());
            }
        }
        return outcome.written();
    }

    /**
     * How a peer's stream ended.
     *
     * @param name the endpoint it fed
     * @param written writes that returned
     * @param answered of those, how many were answered, in order, from the first
     * @param refusal what the write that did not return threw
     * @param end what ended the replies
     */
    public record Outcome(String name, int written, int answered, PipeException refusal, PipeException end) {

        /**
         * @return whether both the refusal and the end were orderly: the application asked to stop
         *         and said goodbye, it did not vanish or reset the connection
         */
        public boolean goodbye() {
            return this.refusal instanceof PeerClosedException && this.end instanceof PeerClosedException
                    && orderly(this.refusal.getMessage()) && orderly(this.end.getMessage())
                    && this.end.getMessage().endsWith(" closed");
        }

        private static boolean orderly(String message) {
            return !message.contains("without saying goodbye") && !message.toLowerCase(Locale.ROOT).contains("reset");
        }
    }

    /**
     * @param index which message
     * @return the message the peer writes at that index
     */
    public static String message(int index) {
        return "m" + index + PADDING;
    }

    /**
     * @param message a message of {@link #message(int)}
     * @return its "m" and index, without the padding
     */
    public static String id(String message) {
        int end = message.indexOf('|');
        return (end < 0) ? message : message.substring(0, end);
    }

    @Override
    public void close() {
        this.pipe.close();
    }

    private void write() {
        try {
            while (true) {
                this.pipe.write(message(this.written.get()));
                this.written.incrementAndGet();
            }
        }
        catch (PipeException ex) {
            this.refused.complete(ex);
        }
        catch (RuntimeException ex) {
            this.refused.completeExceptionally(ex);
        }
    }

    private void read(String replyPrefix) {
        try {
            while (true) {
                String reply = this.pipe.readString();
                if (replyPrefix == null) {
                    throw new AssertionError(this.name + ": a reply came where none was expected: " + reply);
                }
                synchronized (this.replies) {
                    this.replies.add(reply);
                }
            }
        }
        catch (PipeException ex) {
            this.ended.complete(ex);
        }
        catch (RuntimeException | AssertionError ex) {
            this.ended.completeExceptionally(ex);
        }
    }
}
