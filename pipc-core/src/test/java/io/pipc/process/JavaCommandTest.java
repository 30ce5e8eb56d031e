package io.pipc.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class JavaCommandTest {

    @Test
    void runsThisJvmsJavaWithItsClassPathThenTheOptionsThenTheMainClassAndItsArguments() {
        List<String> command = JavaCommand.of(EchoChild.class, List.of("-Xmx64m", "-Dkey=value"), List.of("a", "b c")).command();

        assertThat(command.get(0)).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int classPath = command.indexOf("-cp");
        assertThat(command.get(classPath + 1)).isEqualTo(System.getProperty("java.class.path"));
        assertThat(command.subList(classPath + 2, command.size()))
                .containsExactly("-Xmx64m", "-Dkey=value", EchoChild.class.getName(), "a", "b c");
    }

    @Test
    void sendsTheChildJvmsLogWarningsToStderrBeforeAnyOptionOfTheCaller() {
        List<String> command = JavaCommand.of(EchoChild.class, List.of("-Xlog:gc:file=gc.log"), List.of()).command();

        assertThat(command).containsSubsequence("-Xlog:disable", "-Xlog:all=warning:stderr:uptime,level,tags",
                "-Xlog:gc:file=gc.log");
    }

    @Test
    void refusesAClassWithoutAPublicStaticMain() {
        assertThatThrownBy(() -> JavaCommand.of(String.class, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.String has no public static void main(String[])");
        assertThatThrownBy(() -> JavaCommand.of(InstanceMain.class, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be public static void");
    }

    @Test
    void refusesAClassThatCannotBeNamedOnACommandLine() {
        Object anonymous = new Object() {
        };

        assertThatThrownBy(() -> JavaCommand.of(anonymous.getClass(), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("top-level or static nested class");
    }

    /** Has a main method, but not a static one. */
    static final class InstanceMain {
        public void main(String[] args) {
            // never run
        }
    }
}
