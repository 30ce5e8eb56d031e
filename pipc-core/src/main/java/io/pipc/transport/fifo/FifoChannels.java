package io.pipc.transport.fifo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

import io.pipc.posix.OpenFlag;
import io.pipc.posix.Posix;

import org.jspecify.annotations.Nullable;

/**
 * Turns a FIFO descriptor that jnr opened non-blocking (and that was checked with {@code fstat})
 * into a blocking JDK {@link FileChannel} on the very same FIFO, without reflection into
 * {@code java.io.FileDescriptor}: the JDK opens the descriptor's path ({@code /proc/self/fd/<fd>}),
 * and the jnr descriptor is closed. The JDK's channel matters because closing it wakes a thread
 * blocked in it, which the pipe's close relies on.
 *
 * <p>A blocking open of a FIFO waits until the other side is open too. So that the reopen never
 * waits on the peer (which may just have died), this end holds a non-blocking descriptor of the
 * opposite direction for the instant of the open. On systems where the descriptor's path
 * duplicates the descriptor instead (macOS, the BSDs), the open cannot block; there the
 * descriptor's {@code O_NONBLOCK} is cleared first, since the duplicate shares it.
 */
final class FifoChannels {

    private FifoChannels() {
    }

    /**
     * @param posix the POSIX calls
     * @param fd a non-blocking read descriptor of a FIFO; closed by this call, whatever happens
     * @return a blocking channel reading the same FIFO
     * @throws IOException when the reopen fails
     */
    static FileChannel reading(Posix posix, int fd) throws IOException {
        return reopen(posix, fd, StandardOpenOption.READ, OpenFlag.WRITE_ONLY);
    }

    /**
     * @param posix the POSIX calls
     * @param fd a non-blocking write descriptor of a FIFO; closed by this call, whatever happens
     * @return a blocking channel writing the same FIFO and, where the platform allows, a second
     *         write end whose writes never wait
     * @throws IOException when the reopen fails
     */
    static Output writing(Posix posix, int fd) throws IOException {
        NonBlockingFifoOutput direct;
        try {
            direct = NonBlockingFifoOutput.openAlongside(posix, fd);
        } catch (IOException | RuntimeException e) {
            RendezvousLock.closeQuietly(posix, fd);
            throw e;
        }
        try {
            return new Output(reopen(posix, fd, StandardOpenOption.WRITE, OpenFlag.READ_ONLY), direct);
        } catch (IOException | RuntimeException e) {
            if (direct != null) {
                direct.close();
            }
            throw e;
        }
    }

    /**
     * A FIFO's write end, twice.
     *
     * @param blocking the channel that waits for room, which the writer thread uses
     * @param direct writes that take only what fits now, for the writing thread itself; null
     *        where the platform cannot open the FIFO anew from its descriptor
     */
    record Output(FileChannel blocking, @Nullable NonBlockingFifoOutput direct) implements Closeable {

        @Override
        public void close() throws IOException {
            try {
                blocking.close();
            } finally {
                if (direct != null) {
                    direct.close();
                }
            }
        }
    }

    private static FileChannel reopen(Posix posix, int fd, StandardOpenOption access, OpenFlag opposite) throws IOException {
        try {
            Path self = posix.descriptorPath(fd);
            if (!posix.reopensDescriptors()) {
                posix.clearNonBlocking(fd);
                return FileChannel.open(self, access);
            }
            int holder = posix.open(self, EnumSet.of(opposite, OpenFlag.NON_BLOCKING, OpenFlag.CLOSE_ON_EXEC));
            try {
                return FileChannel.open(self, access);
            } finally {
                RendezvousLock.closeQuietly(posix, holder);
            }
        } finally {
            RendezvousLock.closeQuietly(posix, fd);
        }
    }
}
