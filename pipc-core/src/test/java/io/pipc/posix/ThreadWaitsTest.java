package io.pipc.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The count of a thread's waits, on this machine's real C library. These tests assume 64-bit
 * Linux (the CI platform), and a JVM with native access enabled for the class path (the build's
 * surefire {@code argLine}).
 */
@Timeout(10)
class ThreadWaitsTest {

    @Test
    void isAvailableOn64BitLinux() {
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && "64".equals(System.getProperty("sun.arch.data.model")), "64-bit Linux only");
        // The build enables native access for the class path (its argLine), as an application does.
        assertThat(ThreadWaits.isAvailable()).isTrue();
    }

    @Test
    void countsEachTimeTheCallingThreadGivesUpItsCoreToWait() {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "64-bit Linux only");
        long before = ThreadWaits.count();
        // What is counted: a thread that parks gives up its core (a park may return at once, on a
        // permit left over, so ten of them and at least half counted).
        for (int i = 0; i < 10; i++) {
            LockSupport.parkNanos(1_000_000);
        }
        long after = ThreadWaits.count();
        assertThat(before).isNotNegative();
        assertThat(after - before).as("voluntary context switches of ten parks").isGreaterThanOrEqualTo(5);
    }

    @Test
    void eachThreadHasItsOwnCount() throws InterruptedException {
        Assumptions.assumeTrue(ThreadWaits.isAvailable(), "64-bit Linux only");
        long[] other = new long[1];
        Thread thread = new Thread(() -> other[0] = ThreadWaits.count());
        long mine = ThreadWaits.count();
        for (int i = 0; i < 50; i++) {
            LockSupport.parkNanos(100_000);
        }
        thread.start();
        thread.join();
        assertThat(ThreadWaits.count()).as("this thread's count").isGreaterThanOrEqualTo(mine + 25);
        assertThat(other[0]).as("a new thread's count, which has waited less than this one").isNotNegative().isLessThan(mine + 25);
    }

    @Test
    void isNotBoundWhereThereIsNoRusageOfAThreadToRead() {
        assertThat(ThreadWaits.bind("Mac OS X", "64")).isNull();
        assertThat(ThreadWaits.bind("Linux", "32")).isNull();
        assertThat(ThreadWaits.bind("Windows 11", "64")).isNull();
    }

    @Test
    void nativeAccessIsEnabledForTheClassPathThatTheBuildEnablesItFor() {
        // Before JDK 22 there is no such restriction, and so nothing to ask.
        assertThat(ThreadWaits.nativeAccessEnabled(ThreadWaitsTest.class.getModule())).isTrue();
    }
}
