package io.pipc.boot.autoconfigure;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.integration.LiveThreads;
import io.pipc.integration.SharedPipe;
import io.pipc.integration.SharedPipeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where a server's flow runs: on an executor built the way Boot builds its own (its
 * {@code TaskDecorator}s apply; virtual threads with {@code spring.threads.virtual.enabled}), or
 * on the executor the server names.
 */
@Timeout(60)
class ServerTaskExecutorTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What the decorator hands to the task it wraps, as context propagation would. */
    private static final ThreadLocal<String> DECORATED = new ThreadLocal<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class, PipcAutoConfiguration.class))
            .withUserConfiguration(Recording.class)
            .withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                    "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=requests",
                    "pipc.servers.api.codec=string");

    @Test
    void flowRunsOnTheServersOwnExecutorWithTheApplicationsTaskDecorator() {
        this.runner.withBean(TaskDecorator.class, ServerTaskExecutorTests::decorating).run((context) -> {
            Seen seen = ask(context.getBean("apiPipeServer", PipeServer.class).address(), context.getBean(SeenQueue.class));
            assertThat(seen.thread()).startsWith("pipc-server-api-handler-");
            assertThat(seen.decorated()).isEqualTo("decorated");
        });
    }

    @Test
    void flowRunsOnTheExecutorTheServerNames() {
        this.runner.withPropertyValues("pipc.servers.api.executor=reportExecutor")
                .withBean("reportExecutor", ThreadPoolTaskExecutor.class, () -> {
                    ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
                    executor.setThreadNamePrefix("report-");
                    return executor;
                })
                .run((context) -> {
                    Seen seen = ask(context.getBean("apiPipeServer", PipeServer.class).address(),
                            context.getBean(SeenQueue.class));
                    assertThat(seen.thread()).startsWith("report-");
                });
    }

    @Test
    void anExecutorNameThatNamesNoExecutorFailsTheStartNamingTheProperty() {
        this.runner.withPropertyValues("pipc.servers.api.executor=reprotExecutor").run((context) ->
                assertThat(context).getFailure().rootCause().isInstanceOf(InvalidPipcPropertiesException.class)
                        .hasMessageContaining("pipc.servers.api.executor names no bean (was 'reprotExecutor')"));
        this.runner.withPropertyValues("pipc.servers.api.executor=notAnExecutor").withBean("notAnExecutor", String.class, () -> "x")
                .run((context) -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("pipc.servers.api.executor names bean 'notAnExecutor', a java.lang.String,"
                                + " which is not an Executor"));
    }

    @Test
    void flowRunsOnVirtualThreadsWhenSpringSaysSo() {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21 or later");
        this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
            Seen seen = ask(context.getBean("apiPipeServer", PipeServer.class).address(), context.getBean(SeenQueue.class));
            assertThat(seen.virtual()).isTrue();
            assertThat(seen.thread()).startsWith("pipc-server-api-handler-");
        });
    }

    @Test
    void aSocketPipesFlowRunsOnThePipesOwnExecutorWithTheApplicationsTaskDecorator() throws Exception {
        try (PipeServer peer = Pipes.server(new InetSocketAddress("127.0.0.1", 0))) {
            withPipeTo(peer).withBean(TaskDecorator.class, ServerTaskExecutorTests::decorating).run((context) -> {
                Seen seen = askFrom(peer, context.getBean(SeenQueue.class));
                assertThat(seen.thread()).startsWith("pipc-pipe-peer-");
                assertThat(seen.decorated()).isEqualTo("decorated");
            });
        }
    }

    @Test
    void aSocketPipesFlowRunsOnTheExecutorThePipeNames() throws Exception {
        try (PipeServer peer = Pipes.server(new InetSocketAddress("127.0.0.1", 0))) {
            withPipeTo(peer).withPropertyValues("pipc.pipes.peer.executor=reportExecutor")
                    .withBean("reportExecutor", ThreadPoolTaskExecutor.class, () -> {
                        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
                        executor.setThreadNamePrefix("report-");
                        return executor;
                    })
                    .run((context) -> assertThat(askFrom(peer, context.getBean(SeenQueue.class)).thread())
                            .startsWith("report-"));
            withPipeTo(peer).withPropertyValues("pipc.pipes.peer.executor=reprotExecutor").run((context) ->
                    assertThat(context).getFailure().rootCause().isInstanceOf(InvalidPipcPropertiesException.class)
                            .hasMessageContaining("pipc.pipes.peer.executor names no bean (was 'reprotExecutor')"));
        }
    }

    @Test
    void pipesAndServersAreOpenedWithSpringsThreadFactoryAndTheirEndpointsSinks() throws Exception {
        RecordingPipeFactory factory = new RecordingPipeFactory();
        try (PipeServer peer = Pipes.server(new InetSocketAddress("127.0.0.1", 0))) {
            withPipeTo(peer).withBean(PipeFactory.class, () -> factory).run((context) -> {
                PipeOptions pipe = factory.options("peer");
                PipeOptions server = factory.options("api");
                assertThat(pipe.threadFactory()).isInstanceOf(CustomizableThreadFactory.class)
                        .isSameAs(server.threadFactory());
                assertThat(pipe.messageSink()).isNotNull()
                        .isSameAs(context.getBean("peerPipe", SharedPipe.class).messageSink());
                assertThat(server.messageSink()).isNotNull()
                        .isSameAs(context.getBean("apiPipeServer", SharedPipeServer.class).messageSink());
                assertThat(askFrom(peer, context.getBean(SeenQueue.class))).isNotNull();
                assertThat(LiveThreads.names()).anyMatch((name) -> name.startsWith("pipc-io-"));
            });
        }
    }

    /** Hands the task what context propagation would. */
    private static TaskDecorator decorating() {
        return (task) -> () -> {
            DECORATED.set("decorated");
            try {
                task.run();
            }
            finally {
                DECORATED.remove();
            }
        };
    }

    private ApplicationContextRunner withPipeTo(PipeServer peer) {
        int port = ((InetSocketAddress) peer.address()).getPort();
        return this.runner.withPropertyValues("pipc.pipes.peer.transport=tcp", "pipc.pipes.peer.mode=connect",
                "pipc.pipes.peer.host=127.0.0.1", "pipc.pipes.peer.port=" + port, "pipc.pipes.peer.gateway=true",
                "pipc.pipes.peer.inbound-channel=requests", "pipc.pipes.peer.codec=string");
    }

    /** The peer asks the pipe's inbound gateway. */
    private static Seen askFrom(PipeServer peer, BlockingQueue<Seen> seen) throws InterruptedException {
        Pipe side = peer.accept(WAIT);
        side.write(new Envelope("hello".getBytes(), "q1", null));
        assertThat(side.readEnvelope(WAIT).correlationId()).isEqualTo("q1");
        Seen first = seen.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(first).as("the flow ran").isNotNull();
        return first;
    }

    private static Seen ask(SocketAddress address, BlockingQueue<Seen> seen) throws InterruptedException {
        try (Pipe client = Pipes.connect(address)) {
            client.write(new Envelope("hello".getBytes(), "q1", null));
            assertThat(client.readEnvelope(WAIT).correlationId()).isEqualTo("q1");
        }
        Seen first = seen.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(first).as("the flow ran").isNotNull();
        return first;
    }

    record Seen(String thread, boolean virtual, String decorated) {
    }

    @SuppressWarnings("serial")
    static final class SeenQueue extends LinkedBlockingQueue<Seen> {
    }

    @Configuration(proxyBeanMethods = false)
    static class Recording {

        @Bean
        SeenQueue seen() {
            return new SeenQueue();
        }

        @Bean
        IntegrationFlow answering(SeenQueue seen) {
            return IntegrationFlow.from("requests").<String, String>transform((request) -> {
                Thread current = Thread.currentThread();
                seen.add(new Seen(current.getName(), isVirtual(current), String.valueOf(DECORATED.get())));
                return "answer to " + request;
            }).get();
        }

        private static boolean isVirtual(Thread thread) {
            try {
                return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
            }
            catch (ReflectiveOperationException ex) {
                // Before JDK 21 every thread is a platform thread.
                return false;
            }
        }
    }
}
