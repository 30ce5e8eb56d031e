package io.pipc.transport.fifo;

import java.nio.file.Path;
import java.util.regex.Pattern;

import io.pipc.posix.PrivateDirectory;

/**
 * The four files of one rendezvous name, all in the private directory. The separator {@code @}
 * cannot occur in a name, so no two names share a file: {@code jobs@creator.lock} belongs to
 * {@code jobs} alone, whereas {@code jobs.creator.lock} could also be the lock of a pipe named
 * {@code jobs.creator}.
 *
 * @param name the rendezvous name
 * @param directory the private directory
 * @param creatorLock whoever holds its {@code flock} creates the FIFOs
 * @param openerLock whoever holds its {@code flock} (and not the creator's) opens them
 * @param toCreator the FIFO the opener writes and the creator reads
 * @param toOpener the FIFO the creator writes and the opener reads
 */
record RendezvousFiles(String name, Path directory, Path creatorLock, Path openerLock, Path toCreator, Path toOpener) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /**
     * @param name the rendezvous name, already {@linkplain #checkName checked}
     * @param directory the verified private directory
     * @return the files of that name
     */
    static RendezvousFiles of(String name, PrivateDirectory directory) {
        checkName(name);
        return new RendezvousFiles(name, directory.path(), directory.resolve(name + "@creator.lock"),
                directory.resolve(name + "@opener.lock"), directory.resolve(name + "@to-creator.fifo"),
                directory.resolve(name + "@to-opener.fifo"));
    }

    /**
     * @param name a rendezvous name
     * @throws IllegalArgumentException unless it is 1 to 100 characters of {@code [A-Za-z0-9._-]},
     *         and neither {@code .} nor {@code ..}
     */
    static void checkName(String name) {
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("named pipe name must be 1 to 100 characters of letters, digits,"
                    + " '.', '_' and '-', and not '.' or '..' (was '" + printable(name) + "')");
        }
    }

    private static String printable(String name) {
        String shown = name.length() > 120 ? name.substring(0, 120) + "..." : name;
        StringBuilder out = new StringBuilder();
        shown.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
