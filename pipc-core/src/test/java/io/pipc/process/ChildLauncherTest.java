package io.pipc.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** How commands are named in errors; starting children is covered by {@code PipeProcessTest}. */
class ChildLauncherTest {

    private static final String CLASS_PATH = "/home/me/.m2/repository/".repeat(40);

    @Test
    void aCommandIsDescribedWholeExceptForVeryLongArguments() {
        String description = ChildLauncher.describe(List.of("/usr/bin/java", "-cp", CLASS_PATH, "app.Main"));

        assertThat(description).isEqualTo("/usr/bin/java -cp " + CLASS_PATH.substring(0, 30) + "... ("
                + CLASS_PATH.length() + " characters) app.Main");
    }

    @Test
    void aBriefDescriptionKeepsTheProgramsNameAndTheLastArgumentsThatFit() {
        String brief = ChildLauncher.brief(List.of("/usr/lib/jvm/bin/java", "-Xlog:disable", "-cp", CLASS_PATH,
                "-Xmx64m", "app.Main", "--jobs", "4"));

        assertThat(brief).isEqualTo("java ... -Xmx64m app.Main --jobs 4");
        assertThat(ChildLauncher.brief(List.of("python3", "child.py", "stay"))).isEqualTo("python3 child.py stay");
        assertThat(ChildLauncher.brief(List.of("C:\\Program Files\\Java\\bin\\java.exe"))).isEqualTo("java.exe");
    }
}
