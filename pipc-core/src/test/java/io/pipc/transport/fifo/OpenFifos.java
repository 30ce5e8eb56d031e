package io.pipc.transport.fifo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;
import io.pipc.posix.PosixException;

/**
 * The FIFOs this process has open, seen from {@code /proc/self/fd} (Linux): what each descriptor
 * leads to, even once its name is gone, and its inode. With stale FIFOs {@linkplain #hold held}
 * open, their inode numbers cannot be given to new files (ext4 hands a freed one out again at
 * once), so comparing inodes tells a FIFO that was made afresh from one that was reused.
 */
final class OpenFifos implements AutoCloseable {

    /**
     * A descriptor of this process that leads into a directory.
     *
     * @param descriptor its number
     * @param target where it leads, as the kernel says: the path, with {@code " (deleted)"} once unlinked
     * @param inode the inode of the file it refers to
     */
    record Open(int descriptor, String target, long inode) {
    }

    private final Posix posix;
    private final Map<Integer, Long> held;

    private OpenFifos(Posix posix, Map<Integer, Long> held) {
        this.posix = posix;
        this.held = held;
    }

    /**
     * @param dir a directory
     * @return this process's descriptors that lead into it
     * @throws IOException when {@code /proc/self/fd} cannot be read
     */
    static List<Open> in(Path dir) throws IOException {
        List<Open> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(dir.toString())) {
                        open.add(new Open(Integer.parseInt(fd.getFileName().toString()), target,
                                (Long) Files.getAttribute(fd, "unix:ino")));
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // the listing's own descriptor, or one another thread just closed
                }
            }
        }
        return open;
    }

    /**
     * Holds each FIFO open for writing only. A reader would pass for a live creator reading it,
     * and lure an opener into the stale pair, which is not what a crash leaves. A non-blocking
     * write open needs a reader at that instant, so one is held (read and write, which on Linux
     * never waits) just for it.
     *
     * @param posix the POSIX calls
     * @param fifos FIFOs left by a crashed rendezvous
     * @return them, held open until {@link #close()}
     * @throws PosixException when one cannot be opened
     */
    static OpenFifos hold(Posix posix, Path... fifos) throws PosixException {
        Map<Integer, Long> held = new LinkedHashMap<>();
        for (Path fifo : fifos) {
            int reader = posix.open(fifo, EnumSet.of(OpenFlag.READ_WRITE, OpenFlag.NON_BLOCKING, OpenFlag.NO_FOLLOW));
            try {
                int fd = posix.open(fifo, EnumSet.of(OpenFlag.WRITE_ONLY, OpenFlag.NON_BLOCKING, OpenFlag.NO_FOLLOW));
                held.put(fd, posix.fstat(fd).inode());
            } finally {
                posix.close(reader);
            }
        }
        return new OpenFifos(posix, held);
    }

    /**
     * @return the inodes of the held FIFOs
     */
    Set<Long> inodes() {
        return Set.copyOf(held.values());
    }

    /**
     * @param dir the directory they were in
     * @return the inodes of the FIFOs in it that this process has open other than through the held descriptors
     * @throws IOException when {@code /proc/self/fd} cannot be read
     */
    Set<Long> othersIn(Path dir) throws IOException {
        return Set.copyOf(in(dir).stream().filter(open -> !held.containsKey(open.descriptor())).map(Open::inode).toList());
    }

    @Override
    public void close() throws PosixException {
        for (int fd : held.keySet()) {
            posix.close(fd);
        }
    }
}
