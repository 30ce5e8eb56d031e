package io.pipc.transport.fifo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

import io.pipc.posix.Posix;
import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;

/**
 * Both FIFOs of a rendezvous, open and checked, as one side sees them: what the stream engine
 * reads from and writes to, and what this side still holds until the handshake is over.
 */
final class FifoLink implements Closeable {

    private final Posix posix;
    private final Role role;
    private final FileChannel input;
    private final FileChannel output;
    private int guard;
    private @Nullable RendezvousLock openerLock;

    /**
     * @param posix the POSIX calls
     * @param role {@link Role#ACCEPTOR} for the creator, {@link Role#CONNECTOR} for the opener
     * @param input the FIFO the peer writes
     * @param output the FIFO the peer reads
     * @param guard a write descriptor on {@code input} that keeps it from ending before the peer
     *        has opened its write end, or -1
     * @param openerLock the opener's lock, held until the handshake shows the creator removed the FIFOs' names, or null
     */
    FifoLink(Posix posix, Role role, FileChannel input, FileChannel output, int guard, @Nullable RendezvousLock openerLock) {
        this.posix = posix;
        this.role = role;
        this.input = input;
        this.output = output;
        this.guard = guard;
        this.openerLock = openerLock;
    }

    Role role() {
        return role;
    }

    FileChannel input() {
        return input;
    }

    FileChannel output() {
        return output;
    }

    /**
     * The handshake is over, or failed. The peer has spoken, so its own write end holds our input
     * open and the guard goes: from now on the peer's death ends our input. The creator removed
     * the FIFOs' names before it spoke, so the opener's lock goes too, and nothing of this
     * rendezvous is left on disk.
     */
    synchronized void rendezvousOver() {
        RendezvousLock.closeQuietly(posix, guard);
        guard = -1;
        if (openerLock != null) {
            openerLock.release();
            openerLock = null;
        }
    }

    /** Everything goes; idempotent. */
    @Override
    public void close() throws IOException {
        rendezvousOver();
        try {
            input.close();
        } finally {
            output.close();
        }
    }
}
