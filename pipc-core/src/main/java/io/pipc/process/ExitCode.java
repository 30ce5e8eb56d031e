package io.pipc.process;

import java.util.Locale;

/**
 * A child's exit code as pipc reports it: the program's own status, or, on POSIX systems, the
 * negative number of the signal that killed it (as gipc and Python's {@code Popen.returncode} do).
 *
 * <p>The JDK reports a child killed by signal {@code n} as {@code 128 + n}, the shell's
 * convention, and so cannot tell it from a program that exited with that status itself:
 * {@code 137} may be {@code kill -9} or {@code exit(137)}. pipc reads every status from 129 to
 * 192 (signals 1 to 64) as a signal; a program that exits with such a status on purpose is
 * reported as the matching negative number.
 */
public final class ExitCode {

    private static final int SIGNAL_BASE = 128;
    /** The highest signal number on Linux (SIGRTMAX); no other POSIX system goes further. */
    private static final int MAX_SIGNAL = 64;
    private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private ExitCode() {
    }

    /**
     * @param status what {@link Process#exitValue()} returned
     * @return the status, or minus the signal number when it stands for a signal
     */
    public static int of(int status) {
        return of(status, !WINDOWS);
    }

    /**
     * @param status what {@link Process#exitValue()} returned
     * @param posix whether the status follows the POSIX shell's 128-plus-signal convention
     * @return the status, or minus the signal number when it stands for a signal
     */
    static int of(int status, boolean posix) {
        if (posix && status > SIGNAL_BASE && status <= SIGNAL_BASE + MAX_SIGNAL) {
            return -(status - SIGNAL_BASE);
        }
        return status;
    }
}
