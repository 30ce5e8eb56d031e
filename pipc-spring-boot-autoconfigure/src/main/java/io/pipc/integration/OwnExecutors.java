package io.pipc.integration;

import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The executors a server's connections or a pipe make for themselves, outside the context: they
 * initialize and shut them down as a context would its beans.
 */
final class OwnExecutors {

    private static final Logger logger = LoggerFactory.getLogger(OwnExecutors.class);

    private OwnExecutors() {
    }

    /**
     * @param threadNamePrefix its threads' names' beginning
     * @param threads how many threads at most: made as needed, ended after a minute idle
     * @return a pool of daemon threads, not initialized
     */
    static ThreadPoolTaskExecutor pool(String threadNamePrefix, int threads) {
        ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();
        pool.setThreadNamePrefix(threadNamePrefix);
        pool.setCorePoolSize(threads);
        pool.setMaxPoolSize(threads);
        pool.setAllowCoreThreadTimeOut(true);
        pool.setDaemon(true);
        return pool;
    }

    /**
     * @param threadNamePrefix its threads' names' beginning
     * @param limit how many tasks run at once at most
     * @return an {@link ElasticTaskExecutor} of daemon threads, not initialized
     */
    static ElasticTaskExecutor elastic(String threadNamePrefix, int limit) {
        ThreadPoolTaskExecutor threads = new ThreadPoolTaskExecutor();
        threads.setThreadNamePrefix(threadNamePrefix);
        threads.setDaemon(true);
        return new ElasticTaskExecutor(threads, limit);
    }

    /**
     * @param made an executor just made
     * @param owner names its owner in errors, e.g. "server 'api'"
     * @return it, initialized
     * @throws IllegalStateException when it fails to initialize
     */
    static <E extends Executor> E initialized(E made, String owner) {
        if (made instanceof InitializingBean initializing) {
            try {
                initializing.afterPropertiesSet();
            }
            catch (Exception ex) {
                throw new IllegalStateException(owner + ": its task executor " + made + " failed to initialize: " + ex,
                        ex);
            }
        }
        return made;
    }

    /**
     * @param own an executor made with {@link #initialized}
     * @param owner names its owner in logs
     */
    static void shutDown(Executor own, String owner) {
        try {
            if (own instanceof DisposableBean disposable) {
                disposable.destroy();
            }
            else if (own instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        catch (Exception ex) {
            logger.warn("{}: its task executor failed to shut down: {}", owner, ex.toString());
        }
    }
}
