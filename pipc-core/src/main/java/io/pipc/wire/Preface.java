package io.pipc.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.pipc.ProtocolException;

/**
 * The eight bytes each side sends first on a native stream: the magic {@code PIPC}, the wire
 * version, flags, and two reserved bytes. They let a wrong peer (another protocol, another
 * version, a Python wire peer, a TLS or HTTP client on the wrong port) be recognised at once
 * and refused with an error that says what it looks like and what to do.
 */
final class Preface {

    /** Bytes in a preface. */
    static final int LENGTH = 8;
    /**
     * The one wire version this end speaks. Version 1 bound an authentication proof to its own
     * nonces only, so a relay across two connections could forge one; it is refused.
     */
    static final int VERSION = 2;
    /** Flag bit: the sender has a secret and requires authentication. */
    static final int FLAG_REQUIRES_AUTHENTICATION = 0x01;

    private static final byte[] MAGIC = {'P', 'I', 'P', 'C'};
    private static final int KNOWN_FLAGS = FLAG_REQUIRES_AUTHENTICATION;
    /** How many of the peer's first bytes an error message shows. */
    private static final int SHOWN = 16;

    private Preface() {
    }

    /**
     * @param requiresAuthentication whether this end has a secret
     * @return the preface this end sends
     */
    static byte[] encode(boolean requiresAuthentication) {
        return new byte[] {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], (byte) VERSION,
            (byte) (requiresAuthentication ? FLAG_REQUIRES_AUTHENTICATION : 0), 0, 0};
    }

    /**
     * Checks the magic as far as it has arrived, so that a foreign peer that sends only a few
     * bytes and then waits is refused at once rather than at the handshake deadline.
     *
     * @param received the start of the peer's preface
     * @param filled how many bytes of it have arrived
     * @param following further received bytes, looked at (not consumed) to describe a foreign peer
     * @param pipeName the pipe, for the error message
     * @throws ProtocolException when the bytes so far are not the magic
     */
    static void checkMagic(byte[] received, int filled, ByteBuffer following, String pipeName) {
        for (int i = 0; i < Math.min(filled, MAGIC.length); i++) {
            if (received[i] != MAGIC[i]) {
                throw new ProtocolException("pipe '" + pipeName + "': the peer does not speak the pipc wire: "
                        + describeForeign(firstBytes(received, filled, following)));
            }
        }
    }

    /**
     * @param preface the peer's eight bytes, whose magic has been checked
     * @param pipeName the pipe, for the error message
     * @return whether the peer requires authentication
     * @throws ProtocolException on another version, unknown flags or non-zero reserved bytes
     */
    static boolean parse(byte[] preface, String pipeName) {
        int version = preface[4] & 0xFF;
        int flags = preface[5] & 0xFF;
        if (version == 1) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer speaks pipc wire version 1, an older pipc"
                    + " whose authentication can be forged across connections; this end speaks " + VERSION
                    + " and refuses it: upgrade pipc on the peer");
        }
        if (version != VERSION) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer speaks pipc wire version " + version
                    + "; this end speaks " + VERSION + "; use pipc versions with the same wire on both ends");
        }
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer's preface sets unknown flag bits 0x"
                    + String.format("%02x", flags & ~KNOWN_FLAGS) + "; the stream is corrupt or the peer is"
                    + " a newer pipc that this end cannot serve");
        }
        if (preface[6] != 0 || preface[7] != 0) {
            throw new ProtocolException("pipe '" + pipeName + "': the peer's preface has non-zero reserved bytes "
                    + hex(preface, 6, 2) + "; the stream is corrupt or the peer is a newer pipc that this end cannot serve");
        }
        return (flags & FLAG_REQUIRES_AUTHENTICATION) != 0;
    }

    /**
     * @param first the peer's first bytes (at least one), which are not the pipc magic
     * @return what they look like, and what to do about it
     */
    static String describeForeign(byte[] first) {
        String shown = "its first bytes are " + hex(first, 0, first.length) + " (\"" + printable(first)
                + "\"), not the pipc preface 50 49 50 43 (\"PIPC\")";
        if (startsWith(first, "GET ") || startsWith(first, "POST") || startsWith(first, "PUT ")
                || startsWith(first, "HEAD")) {
            return "it sent an HTTP request (" + shown + "); an HTTP client is pointed at this pipe's address";
        }
        if (startsWith(first, "HTTP")) {
            return "it answered with HTTP (" + shown + "); this address is an HTTP server, not a pipc pipe:"
                    + " check the host and port";
        }
        if (first.length >= 2 && (first[0] == 0x16 || first[0] == 0x15) && first[1] == 0x03) {
            return "it speaks TLS (" + shown + "), and this end does not; enable TLS on this end"
                    + " (PipeOptions.sslContext) or turn it off on the peer";
        }
        if (startsWith(first, "SSH-")) {
            return "it is an SSH server (" + shown + "); check the host and port";
        }
        if (first.length >= 8 && startsWith(ByteBuffer.wrap(first, 4, first.length - 4), "#CHA")) {
            return "it looks like Python's multiprocessing.connection sending its authentication challenge ("
                    + shown + "); set wire=PYTHON on this end (PipeOptions.wire(Wire.PYTHON))";
        }
        if (first.length >= 4 && (first[0] == 0 || ByteBuffer.wrap(first).getInt() == -1)) {
            int length = ByteBuffer.wrap(first).getInt();
            return "it looks like Python's multiprocessing.connection, a message of " + length + " bytes behind"
                    + " a 4-byte length (" + shown + "); set wire=PYTHON on this end (PipeOptions.wire(Wire.PYTHON))";
        }
        return shown + "; the peer speaks another protocol: check the address, and that both ends use the same wire";
    }

    private static byte[] firstBytes(byte[] received, int filled, ByteBuffer following) {
        int extra = Math.min(SHOWN - filled, following.remaining());
        byte[] first = new byte[filled + Math.max(0, extra)];
        System.arraycopy(received, 0, first, 0, filled);
        for (int i = 0; i < extra; i++) {
            first[filled + i] = following.get(following.position() + i);
        }
        return first;
    }

    private static boolean startsWith(byte[] bytes, String ascii) {
        return startsWith(ByteBuffer.wrap(bytes), ascii);
    }

    private static boolean startsWith(ByteBuffer bytes, String ascii) {
        byte[] prefix = ascii.getBytes(StandardCharsets.US_ASCII);
        if (bytes.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes.get(bytes.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] bytes, int offset, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = offset; i < offset + length; i++) {
            text.append(i == offset ? "" : " ").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return text.toString();
    }

    private static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        return text.toString();
    }
}
