package io.pipc.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.pipc.PipeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC section 8: where FIFOs and socket files live, and when that place is refused.
 */
@Timeout(10)
class PrivateDirectoryTest {

    private final Posix posix = Posix.system();

    @TempDir
    Path dir;

    @Test
    void theDefaultIsUnderXdgRuntimeDirWhenItIsSet() {
        assertThat(PrivateDirectory.defaultLocation(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), "/tmp", 1000))
                .isEqualTo(Path.of("/run/user/1000/pipc"));
    }

    @Test
    void theDefaultIsAPerUserDirectoryInTmpdirOtherwise() {
        assertThat(PrivateDirectory.defaultLocation(Map.of(), "/var/tmp", 1000)).isEqualTo(Path.of("/var/tmp/pipc-1000"));
        assertThat(PrivateDirectory.defaultLocation(Map.of("XDG_RUNTIME_DIR", ""), "/tmp", 7)).isEqualTo(Path.of("/tmp/pipc-7"));
        // The XDG specification says a relative value is to be ignored.
        assertThat(PrivateDirectory.defaultLocation(Map.of("XDG_RUNTIME_DIR", "run/user"), "/tmp", 7))
                .isEqualTo(Path.of("/tmp/pipc-7"));
    }

    @Test
    void aMissingDirectoryIsCreatedMode0700() throws Exception {
        Path wanted = dir.resolve("pipc");

        PrivateDirectory directory = PrivateDirectory.open(wanted, posix);

        assertThat(directory.path()).isEqualTo(wanted);
        assertThat(Files.isDirectory(wanted)).isTrue();
        assertThat(Files.getPosixFilePermissions(wanted)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(directory.resolve("jobs")).isEqualTo(wanted.resolve("jobs"));
    }

    @Test
    void anExistingPrivateDirectoryIsAcceptedAsItIs() throws Exception {
        Path existing = Files.createDirectory(dir.resolve("pipc"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(existing.resolve("other"), "kept");

        PrivateDirectory.open(existing, posix);

        assertThat(existing.resolve("other")).hasContent("kept");
    }

    @Test
    void aSymbolicLinkIsRefusedEvenToAPrivateDirectoryAndBothAreLeftAlone() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);

        assertThatThrownBy(() -> PrivateDirectory.open(link, posix)).isInstanceOf(PipeException.class)
                .hasMessageContaining("private directory " + link + " refused")
                .hasMessageContaining("symbolic link");

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.getPosixFilePermissions(real)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void aDirectoryOpenToItsGroupIsRefusedAndNotChanged() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));

        assertThatThrownBy(() -> PrivateDirectory.open(shared, posix)).isInstanceOf(PipeException.class)
                .hasMessageContaining("has mode 0750, open to group or others")
                .hasMessageContaining("chmod 700 " + shared);

        assertThat(Files.getPosixFilePermissions(shared)).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
    }

    @Test
    void aDirectoryOpenToOthersIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx-----x"));

        assertThatThrownBy(() -> PrivateDirectory.open(shared, posix)).isInstanceOf(PipeException.class)
                .hasMessageContaining("has mode 0701");
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        Path foreign;
        if (posix.uid() == 0) {
            // As root we can give a private directory away: to nobody (uid 65534).
            foreign = Files.createDirectory(dir.resolve("foreign"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setAttribute(foreign, "unix:uid", 65534);
        } else {
            // Without root we cannot chown, but the root directory always belongs to root, not to us.
            foreign = Path.of("/");
        }
        int owner = (int) Files.getAttribute(foreign, "unix:uid");

        assertThatThrownBy(() -> PrivateDirectory.open(foreign, posix)).isInstanceOf(PipeException.class)
                .hasMessageContaining("is owned by uid " + owner + ", not by this process's user (uid " + posix.uid() + ")");
    }

    @Test
    void aRegularFileWhereTheDirectoryShouldBeIsRefusedAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("pipc"), "precious");

        assertThatThrownBy(() -> PrivateDirectory.open(file, posix)).isInstanceOf(PipeException.class)
                .hasMessageContaining("is a regular file, not a directory");

        assertThat(file).hasContent("precious");
    }

    @Test
    void aMissingParentIsReportedWithWhatToDo() {
        Path orphan = dir.resolve("no/such/parent");

        assertThatThrownBy(() -> PrivateDirectory.open(orphan, posix)).isInstanceOf(PipeException.class)
                .hasMessageContaining("its parent does not exist")
                .hasMessageContaining("PipeOptions.directory");
    }
}
