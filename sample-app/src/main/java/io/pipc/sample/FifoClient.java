package io.pipc.sample;

import org.springframework.context.annotation.Profile;
import org.springframework.integration.annotation.MessagingGateway;

/**
 * The coordinator's side of the named pipe: a request written to the pipe, the worker's reply
 * returned. Backed by the pipe {@code fifo} with {@code gateway: true} (see application-demo.yml).
 */
@MessagingGateway(defaultRequestChannel = "fifoRequests")
@Profile("demo")
interface FifoClient {

    /**
     * @param text any text
     * @return the worker's uppercase copy of it
     */
    String uppercase(String text);
}
