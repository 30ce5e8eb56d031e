package io.pipc.transport.fifo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

import io.pipc.wire.Role;

/**
 * Both FIFOs of a rendezvous, open, checked and already unlinked, as one side sees them: what the
 * stream engine reads from and writes to. Closing it closes both.
 *
 * @param role {@link Role#ACCEPTOR} for the creator, {@link Role#CONNECTOR} for the opener
 * @param input the FIFO the peer writes
 * @param output the FIFO the peer reads, through a blocking channel and, where the platform
 *        allows, a second end whose writes never wait
 */
record FifoLink(Role role, FileChannel input, FifoChannels.Output output) implements Closeable {

    @Override
    public void close() throws IOException {
        try {
            input.close();
        } finally {
            output.close();
        }
    }
}
