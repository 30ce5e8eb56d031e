package io.pipc.integration;

import java.time.Duration;

/**
 * Where an inbound endpoint's messages come from: one pipe, or every client of a server.
 */
sealed interface InboundSource {

    /**
     * @return "pipe 'name'" or "server 'name'", for logs and errors
     */
    String describe();

    /**
     * @return the pipe or server, for headers and metrics
     */
    PipeMetrics.Origin origin();

    /**
     * @return where the pipe or server reports
     */
    PipeMetrics metrics();

    /**
     * Makes {@code receiver} the one inbound endpoint of the source.
     *
     * @param owner names the endpoint, for errors
     * @param receiver gets every message read
     */
    void register(String owner, MessageReceiver receiver);

    /**
     * @param owner the endpoint that starts
     */
    void start(String owner);

    /**
     * Stops reading for the endpoint, handing over what was sent until then, and waits.
     *
     * @param owner the endpoint that stops
     * @param gracePeriod how long to go on handling messages already sent
     */
    void stop(String owner, Duration gracePeriod);

    /**
     * Stops reading for the endpoint as {@link #stop(String, Duration)} does, on a thread of its
     * own, so that the sources stopping in one lifecycle phase drain at the same time.
     *
     * @param owner the endpoint that stops
     * @param gracePeriod how long to go on handling messages already sent
     * @param then run once stopped
     */
    void stop(String owner, Duration gracePeriod, Runnable then);

    /**
     * One pipe, read by its dispatcher.
     *
     * @param pipe the pipe
     */
    record OfPipe(SharedPipe pipe) implements InboundSource {

        @Override
        public String describe() {
            return "pipe '" + this.pipe.name() + "'";
        }

        @Override
        public PipeMetrics.Origin origin() {
            return this.pipe.origin();
        }

        @Override
        public PipeMetrics metrics() {
            return this.pipe.metrics();
        }

        @Override
        public void register(String owner, MessageReceiver receiver) {
            this.pipe.dispatcher().registerReceiver(owner, receiver);
        }

        @Override
        public void start(String owner) {
            this.pipe.dispatcher().start(owner);
        }

        @Override
        public void stop(String owner, Duration gracePeriod) {
            this.pipe.dispatcher().stop(owner, gracePeriod);
        }

        @Override
        public void stop(String owner, Duration gracePeriod, Runnable then) {
            Thread stopper = new Thread(() -> {
                try {
                    stop(owner, gracePeriod);
                }
                finally {
                    then.run();
                }
            }, "pipc-stop-" + owner);
            stopper.start();
        }
    }

    /**
     * The clients of a server. The connections start on their own, after the endpoint; the
     * endpoint's stop stops them too (with the drain of {@link ServerConnections}), and calls
     * back when that drain ends. A context stops the endpoint in the connections' phase, as a bean
     * that depends on them, and counts both callbacks there: {@link PipcShutdown} drains every
     * server before, so that this count does not decide when the drains are over.
     *
     * @param connections the server's connections
     */
    record OfServer(ServerConnections connections) implements InboundSource {

        @Override
        public String describe() {
            return "server '" + this.connections.getServer().name() + "'";
        }

        @Override
        public PipeMetrics.Origin origin() {
            return this.connections.origin();
        }

        @Override
        public PipeMetrics metrics() {
            return this.connections.metrics();
        }

        @Override
        public void register(String owner, MessageReceiver receiver) {
            this.connections.registerReceiver(owner, receiver);
        }

        @Override
        public void start(String owner) {
        }

        @Override
        public void stop(String owner, Duration gracePeriod) {
            this.connections.stop();
        }

        @Override
        public void stop(String owner, Duration gracePeriod, Runnable then) {
            this.connections.stop(then);
        }
    }
}
