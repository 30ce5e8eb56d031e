package io.pipc.integration;

/**
 * How a pipe's {@link InboundDispatcher} gets the pipe's messages: a {@link PipeReader} thread
 * that reads the pipe's queue, or the dispatcher's own {@link io.pipc.MessageSink} that the pipe's
 * event loop hands each decoded batch to.
 */
interface InboundReading {

    /**
     * Stops handing messages over once what is in hand is handed over, or at the deadline.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up
     * @return whether it stopped with nothing it had taken left unhanded
     */
    boolean stop(long deadlineNanos);

    /**
     * Waits for the pipe's input to end (after {@link io.pipc.Pipe#stopReceiving()}), handing
     * over every message until then.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which to give up
     * @return whether the input ended and every message was handed over in time
     */
    boolean awaitEnd(long deadlineNanos);
}
