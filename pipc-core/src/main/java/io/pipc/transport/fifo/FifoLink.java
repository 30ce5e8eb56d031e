package io.pipc.transport.fifo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

import io.pipc.wire.Role;

import org.jspecify.annotations.Nullable;

/**
 * Both FIFOs of a rendezvous, open, checked and already unlinked, as one side sees them: what the
 * stream engine reads from and writes to. Closing it closes both.
 *
 * @param role {@link Role#ACCEPTOR} for the creator, {@link Role#CONNECTOR} for the opener
 * @param input the FIFO the peer writes
 * @param output the FIFO the peer reads
 * @param directOutput the same FIFO, written without waiting; null where the platform has none
 */
record FifoLink(Role role, FileChannel input, FileChannel output, @Nullable NonBlockingFifoOutput directOutput) implements Closeable {

    @Override
    public void close() throws IOException {
        try {
            input.close();
        } finally {
            try {
                output.close();
            } finally {
                if (directOutput != null) {
                    directOutput.close();
                }
            }
        }
    }
}
