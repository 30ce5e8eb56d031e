package io.pipc.boot.autoconfigure;

import java.util.function.Function;
import java.util.function.Supplier;

import io.pipc.integration.ElasticTaskExecutor;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;
import org.springframework.core.task.TaskExecutor;

/**
 * Builds a server's task executor the way Boot builds its {@code applicationTaskExecutor}: from
 * the context's {@link SimpleAsyncTaskExecutorBuilder} when {@code spring.threads.virtual.enabled}
 * is on (a virtual thread per task), else from its {@link ThreadPoolTaskExecutorBuilder}: for a
 * server an {@link ElasticTaskExecutor} that runs at most {@code handler-threads} tasks at once on
 * threads made as needed (the most recently idle reused first), for a pipe one thread. Those builders carry the application's {@code TaskDecorator}
 * (and so context propagation) and {@code spring.task.execution} settings; a context without them
 * gets Boot's plain builders. A server's executor is its own, named after it, and ends with it:
 * a flow that blocks on one server does not starve the application's other executors.
 */
final class ServerTaskExecutors {

    private final Environment environment;

    private final ListableBeanFactory beans;

    ServerTaskExecutors(Environment environment, ListableBeanFactory beans) {
        this.environment = environment;
        this.beans = beans;
    }

    /**
     * @param server the server's name, for its threads' names
     * @return makes the server's executor, given its handler threads
     */
    Function<Integer, TaskExecutor> forServer(String server) {
        String prefix = "pipc-server-" + server + "-handler-";
        if (Threading.VIRTUAL.isActive(this.environment)) {
            return named(prefix);
        }
        ThreadPoolTaskExecutorBuilder builder = platformThreads();
        return (threads) -> new ElasticTaskExecutor(
                builder.threadNamePrefix(prefix).configure(new ElasticTaskExecutor.Threads()), threads);
    }

    /**
     * @param pipe the pipe's name, for its thread's name
     * @return makes the pipe's executor: one thread, since a pipe's messages are handed over one
     *         task at a time (or a virtual thread per task)
     */
    Supplier<TaskExecutor> forPipe(String pipe) {
        Function<Integer, TaskExecutor> named = named("pipc-pipe-" + pipe + "-");
        return () -> named.apply(1);
    }

    private ThreadPoolTaskExecutorBuilder platformThreads() {
        return this.beans.getBeanProvider(ThreadPoolTaskExecutorBuilder.class)
                .getIfAvailable(ThreadPoolTaskExecutorBuilder::new);
    }

    private Function<Integer, TaskExecutor> named(String prefix) {
        if (Threading.VIRTUAL.isActive(this.environment)) {
            SimpleAsyncTaskExecutorBuilder builder = this.beans.getBeanProvider(SimpleAsyncTaskExecutorBuilder.class)
                    .getIfAvailable(SimpleAsyncTaskExecutorBuilder::new);
            return (threads) -> builder.virtualThreads(true).threadNamePrefix(prefix).build();
        }
        ThreadPoolTaskExecutorBuilder builder = platformThreads();
        return (threads) -> builder.corePoolSize(threads).maxPoolSize(threads).allowCoreThreadTimeOut(true)
                .threadNamePrefix(prefix).build();
    }
}
