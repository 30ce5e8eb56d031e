package io.pipc.integration;

/**
 * An inbound endpoint as the readers see it: it gets each message read from a pipe or from the
 * clients of a server. Called on the reading thread.
 */
interface MessageReceiver {

    /**
     * @param message the message read
     */
    void receive(ReceivedMessage message);

    /**
     * Waits until work begun for messages already received is done (for a gateway: replies
     * written), so that a shutdown does not cut it.
     *
     * @param deadlineNanos the {@link System#nanoTime()} at which to give up
     * @return whether everything was done in time
     */
    default boolean awaitIdle(long deadlineNanos) {
        return true;
    }

    /**
     * @return how many messages of one connection may be handed over at once: 1 (the default)
     *         hands them over in order; a gateway, whose replies are matched by correlation id,
     *         takes more
     */
    default int maxInFlightPerConnection() {
        return 1;
    }
}
