package io.pipc.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitCodeTest {

    @Test
    void ordinaryStatusesStandAsTheyAre() {
        assertThat(ExitCode.of(0, true)).isZero();
        assertThat(ExitCode.of(1, true)).isEqualTo(1);
        assertThat(ExitCode.of(128, true)).isEqualTo(128);
        assertThat(ExitCode.of(255, true)).isEqualTo(255);
    }

    @Test
    void onPosixTheShellsSignalStatusesBecomeNegativeSignalNumbers() {
        assertThat(ExitCode.of(129, true)).isEqualTo(-1);
        assertThat(ExitCode.of(137, true)).isEqualTo(-9);
        assertThat(ExitCode.of(143, true)).isEqualTo(-15);
        assertThat(ExitCode.of(192, true)).isEqualTo(-64);
        assertThat(ExitCode.of(193, true)).as("beyond the last signal").isEqualTo(193);
    }

    @Test
    void elsewhereNothingIsReadAsASignal() {
        assertThat(ExitCode.of(137, false)).isEqualTo(137);
    }
}
