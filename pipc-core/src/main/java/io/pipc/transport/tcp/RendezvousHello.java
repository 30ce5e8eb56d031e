package io.pipc.transport.tcp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import io.pipc.ProtocolException;

/**
 * The bytes a TCP rendezvous exchanges on each connection before the pipc preface: a 16-byte
 * hello from each side (magic {@code PIPR}, version, three reserved bytes, the sender's id for
 * this rendezvous), then one commit byte from the leader on the one connection it keeps.
 * Pure code; see {@code docs/protocol.md}, "TCP rendezvous".
 */
final class RendezvousHello {

    /** Bytes in a hello. */
    static final int LENGTH = 16;
    /** The byte by which the leader commits a connection. */
    static final byte COMMIT = 0x01;
    /** The one rendezvous version this end speaks. */
    static final int VERSION = 1;

    private static final byte[] MAGIC = {'P', 'I', 'P', 'R'};
    private static final SecureRandom RANDOM = new SecureRandom();

    private RendezvousHello() {
    }

    /**
     * @return a fresh id for one {@code remote()} call: random, never zero
     */
    static long newId() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return id;
    }

    /**
     * @param id this side's id
     * @return the hello this side sends
     */
    static byte[] encode(long id) {
        return ByteBuffer.allocate(LENGTH).put(MAGIC).put((byte) VERSION).put(new byte[3]).putLong(id).array();
    }

    /**
     * Checks the magic as far as it has arrived, so that a foreign peer is refused at once.
     *
     * @param received the bytes so far
     * @param filled how many have arrived
     * @param pipeName the pipe, for the message
     * @param peer who sent them
     * @throws ProtocolException when they are not the start of a hello
     */
    static void checkMagic(byte[] received, int filled, String pipeName, String peer) {
        for (int i = 0; i < Math.min(filled, MAGIC.length); i++) {
            if (received[i] != MAGIC[i]) {
                throw new ProtocolException("pipe '" + pipeName + "': " + peer + " is not a pipc rendezvous peer: "
                        + describe(received, filled));
            }
        }
    }

    /**
     * @param hello the peer's whole hello, whose magic has been checked
     * @param pipeName the pipe, for the message
     * @param peer who sent it
     * @return the peer's id
     * @throws ProtocolException on another version or non-zero reserved bytes
     */
    static long parse(byte[] hello, String pipeName, String peer) {
        checkMagic(hello, LENGTH, pipeName, peer);
        ByteBuffer buffer = ByteBuffer.wrap(hello);
        int version = hello[4] & 0xFF;
        if (version != VERSION) {
            throw new ProtocolException("pipe '" + pipeName + "': " + peer + " speaks pipc rendezvous version " + version
                    + "; this end speaks " + VERSION + "; use pipc versions with the same rendezvous on both hosts");
        }
        if (hello[5] != 0 || hello[6] != 0 || hello[7] != 0) {
            throw new ProtocolException("pipe '" + pipeName + "': " + peer + " sent a rendezvous hello with non-zero"
                    + " reserved bytes; the stream is corrupt or the peer is a newer pipc");
        }
        return buffer.getLong(8);
    }

    /**
     * @param own this side's id
     * @param peer the peer's id, different from {@code own}
     * @return whether this side leads: it has the higher id, compared unsigned
     */
    static boolean leads(long own, long peer) {
        return Long.compareUnsigned(own, peer) > 0;
    }

    private static String describe(byte[] received, int filled) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < filled; i++) {
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", received[i] & 0xFF));
            text.append(received[i] >= 0x20 && received[i] < 0x7F ? (char) received[i] : '.');
        }
        String shown = "its first bytes are " + hex + " (\"" + text + "\"), not a rendezvous hello 50 49 50 52 (\"PIPR\")";
        String start = new String(received, 0, Math.min(filled, 4), StandardCharsets.US_ASCII);
        if (start.equals("PIPC")) {
            return shown + "; it is a pipc client or server (Pipes.connect or Pipes.server), not Pipes.remote: use"
                    + " the same kind of pipe on both hosts";
        }
        if (start.startsWith("GET") || start.startsWith("POST") || start.startsWith("HEAD") || start.startsWith("PUT")) {
            return shown + "; it is an HTTP client";
        }
        if (filled >= 2 && (received[0] == 0x16 || received[0] == 0x15) && received[1] == 0x03) {
            return shown + "; it speaks TLS, and this end does not: enable TLS on both hosts (PipeOptions.sslContext)"
                    + " or on neither";
        }
        return shown;
    }
}
