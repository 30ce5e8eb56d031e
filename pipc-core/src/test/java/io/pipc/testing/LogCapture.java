package io.pipc.testing;

import java.util.List;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/**
 * The lines one logger writes while a test runs, for tests whose promise includes a log line.
 * Close it to stop capturing.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level previous;

    private LogCapture(Class<?> source) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        this.previous = logger.getLevel();
        // Every level is captured, whatever the configuration prints.
        logger.setLevel(Level.ALL);
        appender.start();
        logger.addAppender(appender);
    }

    /**
     * @param source the class whose logger to capture
     * @return a capture that has started
     */
    public static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /**
     * @param level the level of the lines wanted
     * @return the formatted messages logged at that level so far
     */
    public List<String> lines(Level level) {
        synchronized (appender.list) {
            return appender.list.stream().filter(event -> event.getLevel() == level)
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
        appender.stop();
    }
}
