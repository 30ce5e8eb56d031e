package io.pipc.sample;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.codec.Codecs;
import io.pipc.integration.dsl.Pipc;
import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeConnectionFailedEvent;
import io.pipc.integration.event.PipeEvent;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.integration.dsl.IntegrationFlow;

/**
 * The worker's control channel: the pipe to its parent over standard input and output, read
 * by an {@link IntegrationFlow} built with pipc's DSL. "run" runs the worker's exchanges and
 * answers with their figures; "stop" answers "bye" and ends the worker. When one of the
 * worker's pipes ends on its own (the coordinator went away), the worker ends too.
 */
@Configuration(proxyBeanMethods = false)
@Profile("worker")
class WorkerControl {

    private static final Set<String> PIPES = Set.of("fifo", "tcp", "unix");

    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();

    @Bean
    Pipe parentPipe() {
        return Pipes.parent();
    }

    @Bean
    IntegrationFlow control(Pipe parentPipe, WorkerExchanges exchanges) {
        return IntegrationFlow.from(Pipc.inboundAdapter(parentPipe).codec(Codecs.string()))
                .<String, String>transform(command -> switch (command) {
                    case Demo.RUN -> exchanges.run();
                    case Demo.STOP -> {
                        exitCode.complete(0);
                        yield Demo.BYE;
                    }
                    default -> "unknown command: " + command;
                })
                .handle(Pipc.outboundAdapter(parentPipe).codec(Codecs.string()))
                .get();
    }

    @EventListener({PipeConnectionClosedEvent.class, PipeConnectionFailedEvent.class})
    void pipeEnded(PipeEvent event) {
        if (PIPES.contains(event.getPipeName()) && exitCode.complete(1)) {
            System.err.println("pipc sample worker: pipe '" + event.getPipeName() + "' ended before the coordinator said stop");
        }
    }

    /**
     * @return the worker's exit code, once told to stop or left alone
     * @throws InterruptedException when interrupted while waiting
     */
    int awaitStop() throws InterruptedException {
        try {
            return exitCode.get();
        } catch (ExecutionException e) {
            return 1;
        }
    }
}
