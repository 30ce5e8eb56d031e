package io.pipc.sample;

import org.springframework.context.annotation.Profile;
import org.springframework.integration.annotation.MessagingGateway;

/**
 * The worker's requests to the coordinator's word counter: over TCP and over the Unix socket,
 * through the pipes {@code tcp} and {@code unix} with {@code gateway: true} (application-worker.yml).
 */
final class WordCountClients {

    private WordCountClients() {
    }

    /** Over TCP. */
    @MessagingGateway(defaultRequestChannel = "tcpRequests")
    @Profile("worker")
    interface OverTcp {
        /**
         * @param text words
         * @return how many
         */
        String count(String text);
    }

    /** Over the Unix socket. */
    @MessagingGateway(defaultRequestChannel = "unixRequests")
    @Profile("worker")
    interface OverUnix {
        /**
         * @param text words
         * @return how many
         */
        String count(String text);
    }
}
