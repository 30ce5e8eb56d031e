package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.SubstituteLogger;

/** A flood of refusals leaves a few lines and a count, on a clock the test drives. */
@Timeout(10)
class RefusalLogTest {

    private final Queue<SubstituteLoggingEvent> events = new ConcurrentLinkedQueue<>();
    private final RefusalLog refusals = new RefusalLog(
            new EventRecordingLogger(new SubstituteLogger("test", events, false), events), "server 'api'");

    @Test
    void theFirstRefusalsAreLoggedOneByOneAndTheRestSummedUp() {
        for (int i = 0; i < 1000; i++) {
            refusals.warn(i, "refused peer " + i);
        }

        assertThat(messages()).hasSize(RefusalLog.LOGGED_PER_WINDOW).last().isEqualTo("refused peer 9");

        refusals.flush(RefusalLog.WINDOW_NANOS);

        assertThat(messages()).hasSize(RefusalLog.LOGGED_PER_WINDOW + 1).last()
                .isEqualTo("server 'api': refused 990 more connections within a minute, not logged one by one;"
                        + " the last: refused peer 999");
    }

    @Test
    void aNewMinuteLogsAgainAfterSummingUpTheLast() {
        for (int i = 0; i < 12; i++) {
            refusals.info(0, "refused peer " + i);
        }

        refusals.warn(RefusalLog.WINDOW_NANOS + 5, "refused peer 12");

        assertThat(messages()).hasSize(12).endsWith(
                "server 'api': refused 2 more connections within a minute, not logged one by one; the last: refused peer 11",
                "refused peer 12");
        assertThat(events.stream().map(SubstituteLoggingEvent::getLevel).toList())
                .startsWith(Level.INFO).contains(Level.WARN);
    }

    @Test
    void nothingHeldBackMeansNoSummary() {
        refusals.warn(0, "refused peer 1");

        refusals.flush(RefusalLog.WINDOW_NANOS * 2);
        refusals.end();

        assertThat(messages()).containsExactly("refused peer 1");
    }

    @Test
    void theEndSumsUpAWindowThatIsNotOver() {
        for (int i = 0; i < 11; i++) {
            refusals.warn(0, "refused peer " + i);
        }
        refusals.flush(1);
        assertThat(messages()).hasSize(10);

        refusals.end();

        assertThat(messages()).last().asString().isEqualTo("server 'api': refused 1 more connection within a minute, not logged one by one;"
                + " the last: refused peer 10");
    }

    private List<String> messages() {
        return events.stream().map(SubstituteLoggingEvent::getMessage).toList();
    }
}
