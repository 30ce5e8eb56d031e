package io.pipc;

import java.util.List;

/**
 * Where a socket pipe's received messages go instead of its own queue: the receive path hands
 * each decoded batch straight to the sink, on the thread that decoded it (an event loop), with
 * no queue and no second selection in between. A server's dispatcher implements it, and gets
 * every client's messages as they arrive; it then answers through
 * {@link Pipe#write}, which is safe from any thread.
 *
 * <p>Set with {@link PipeOptions.Builder#messageSink(MessageSink)} on a Unix socket or TCP
 * server or client; other transports refuse it. A pipe whose messages go to a sink has nothing
 * to {@code read}: its reads wait for the end, and {@code select} sees it only once it has ended.
 *
 * <p>Backpressure: {@link #offer} takes what it can. When it takes less than the whole batch,
 * the pipe stops reading its socket (so the peer's writes block, as with a full queue) until
 * the sink calls the {@code resume} it was given in {@link #attached}; the rest of the batch is
 * offered again then, in order.
 *
 * <p>Every method runs on the pipe's event loop, one call at a time for a given pipe, and must
 * not block: a sink that does slow work hands it to its own threads.
 */
public interface MessageSink {

    /**
     * The pipe is established and about to deliver; called once, before any {@link #offer}.
     *
     * @param pipe the pipe
     * @param resume makes the pipe read again after an {@link #offer} took less than it was
     *        given; may be called from any thread, any number of times
     */
    void attached(Pipe pipe, Runnable resume);

    /**
     * Messages that arrived on {@code pipe}, oldest first.
     *
     * @param pipe the pipe they arrived on
     * @param batch the messages; the list is reused after the call returns, the messages are not
     * @return how many messages, from the front of the batch, the sink took: less than
     *         {@code batch.size()} pauses the pipe's reading until {@code resume}
     */
    int offer(Pipe pipe, List<Envelope> batch);

    /**
     * The pipe delivers nothing more: the peer closed, disconnected or failed, or this end was
     * closed. Called at most once, after the last {@link #offer}, and only for a pipe the sink
     * heard {@link #attached} of: a client whose handshake failed never reaches the sink.
     *
     * @param pipe the pipe
     * @param ending what a read would throw now
     */
    void ended(Pipe pipe, PipeException ending);
}
