package io.pipc.transport.fifo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.pipc.PipeOptions;
import io.pipc.Pipes;
import io.pipc.posix.Posix;
import io.pipc.posix.PrivateDirectory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rendezvous names (SPEC section 4) and the files they map to.
 */
@Timeout(10)
class RendezvousFilesTest {

    @TempDir
    Path dir;

    static Stream<String> refusedNames() {
        return Stream.of("", ".", "..", "a/b", "../etc", "a b", "jobs@creator", "caf\u00e9", "tab\there", "new\nline",
                "x".repeat(101), "semi;colon", "*");
    }

    @ParameterizedTest
    @MethodSource("refusedNames")
    void namesOutsideThePatternAreRefusedBeforeAnythingIsTouched(String name) throws Exception {
        PipeOptions options = PipeOptions.builder().directory(dir.resolve("pipc")).build();

        assertThatThrownBy(() -> Pipes.named(name, options)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("named pipe name must be 1 to 100 characters of letters, digits, '.', '_' and '-'");

        assertThat(dir.resolve("pipc")).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void theRefusalShowsTheNameWithControlCharactersEscaped() {
        assertThatThrownBy(() -> RendezvousFiles.checkName("new\nline")).hasMessageEndingWith("(was 'new\\u000aline')");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jobs", "a", "...", "-", "A-Z_a-z.0-9", "orders.v2"})
    void namesOfTheAllowedCharactersAreAccepted(String name) {
        assertThatCode(() -> RendezvousFiles.checkName(name)).doesNotThrowAnyException();
        assertThatCode(() -> RendezvousFiles.checkName("x".repeat(100))).doesNotThrowAnyException();
    }

    @Test
    void twoNamesNeverShareAFile() {
        PrivateDirectory directory = PrivateDirectory.open(dir, Posix.system());
        Set<Path> seen = new HashSet<>();
        // Names that would collide if the suffixes were separated by an allowed character.
        for (String name : List.of("jobs", "jobs.creator", "jobs.opener", "jobs.to-creator", "jobs.creator.lock")) {
            RendezvousFiles files = RendezvousFiles.of(name, directory);
            for (Path file : List.of(files.creatorLock(), files.openerLock(), files.toCreator(), files.toOpener())) {
                assertThat(file.getParent()).isEqualTo(dir);
                assertThat(seen.add(file)).as("%s is used twice", file).isTrue();
            }
        }
    }
}
