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
     * @param owner the endpoint that stops
     * @param gracePeriod how long to go on handling messages already received
     */
    void stop(String owner, Duration gracePeriod);

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
    }

    /**
     * The clients of a server; the connections start and stop on their own, around the endpoint.
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
        }
    }
}
