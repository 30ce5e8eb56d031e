package io.pipc.transport.socket;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Locale;

import javax.net.ssl.SSLException;

import io.pipc.AuthenticationException;
import io.pipc.PeerClosedException;
import io.pipc.PipeException;
import io.pipc.ProtocolException;

import org.jspecify.annotations.Nullable;

/**
 * A TLS failure, sorted by what the user has to fix: the other end's identity
 * ({@link Kind#AUTHENTICATION}: an untrusted or missing certificate, a host name the
 * certificate does not cover), the protocol ({@link Kind#PROTOCOL}: a peer that does not speak
 * TLS, no common version or cipher suite), or a peer that went away ({@link Kind#CLOSED}).
 * JSSE's own messages are kept, behind a sentence that says what to do.
 */
public final class TlsFailure extends SSLException {

    private static final long serialVersionUID = 1L;

    enum Kind { AUTHENTICATION, PROTOCOL, CLOSED }

    private final Kind kind;

    TlsFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    TlsFailure(Kind kind, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }

    /**
     * @param pipeName the pipe
     * @param peer who is at the other end
     * @return the product's exception for this failure
     */
    public PipeException toPipeException(String pipeName, String peer) {
        String message = "pipe '" + pipeName + "': TLS with " + peer + " failed: " + getMessage();
        return switch (kind) {
            case AUTHENTICATION -> new AuthenticationException(message, this);
            case PROTOCOL -> new ProtocolException(message, this);
            case CLOSED -> new PeerClosedException(message, this);
        };
    }

    /**
     * @param e what the engine threw
     * @param clientMode whether this end made the connection
     * @param handshakeDone whether the TLS handshake had completed
     * @param peerHost the host this end connected to, or the peer's address
     * @param firstBytes the first bytes the peer sent, to recognise one that does not speak TLS
     * @return the classified failure
     */
    static TlsFailure classify(SSLException e, boolean clientMode, boolean handshakeDone, String peerHost, byte[] firstBytes) {
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (!handshakeDone && firstBytes.length >= 2 && !looksLikeTls(firstBytes)) {
            return new TlsFailure(Kind.PROTOCOL, "the peer does not speak TLS: " + describe(firstBytes)
                    + "; enable TLS on both ends (PipeOptions.sslContext) or on neither", e);
        }
        String lower = detail.toLowerCase(Locale.ROOT);
        if (lower.contains("no subject alternative") || lower.contains("no name matching")
                || lower.contains("no subject alternative dns name")) {
            return new TlsFailure(Kind.AUTHENTICATION, "the server's certificate does not name '" + peerHost
                    + "' (" + detail + "); connect with a host name or address the certificate covers, issue a"
                    + " certificate that covers it, or, only if the trust store holds nothing but your peers'"
                    + " certificates, turn off PipeOptions.tlsHostnameVerification", e);
        }
        if (lower.contains("empty client certificate chain") || lower.contains("certificate_required")) {
            return new TlsFailure(Kind.AUTHENTICATION, (clientMode
                    ? "the server requires a client certificate (mutual TLS) and this end presented none; give this"
                            + " end's SSLContext a key manager with a certificate the server trusts"
                    : "the client presented no certificate, and this server requires one (tlsClientAuth)")
                    + " (" + detail + ")", e);
        }
        if (hasCause(e, GeneralSecurityException.class) || lower.contains("bad_certificate")
                || lower.contains("certificate_unknown") || lower.contains("unknown_ca")
                || lower.contains("pkix") || lower.contains("certificate")) {
            boolean received = lower.contains("received fatal alert");
            String what;
            if (!received) {
                what = "the peer's certificate is not trusted";
            } else if (clientMode) {
                what = "the server refused this end's client certificate, or this end presented none (mutual TLS needs a"
                        + " key manager in this end's SSLContext with a certificate the server trusts)";
            } else {
                what = "the peer does not accept this end's certificate";
            }
            return new TlsFailure(Kind.AUTHENTICATION, what + " (" + detail + "); check the trust stores on both ends", e);
        }
        if (lower.contains("protocol_version") || lower.contains("no appropriate protocol")
                || lower.contains("no cipher suites in common") || lower.contains("handshake_failure")) {
            return new TlsFailure(Kind.PROTOCOL, "the two ends share no TLS version or cipher suite (" + detail
                    + "); enable a common one on both ends (their SSLContexts, PipeOptions.tlsProtocols and"
                    + " tlsCipherSuites, or a Spring SSL bundle's options)", e);
        }
        return new TlsFailure(Kind.PROTOCOL, detail, e);
    }

    private static boolean looksLikeTls(byte[] first) {
        // A TLS record: content type 20..23, then major version 3.
        return first[0] >= 0x14 && first[0] <= 0x17 && first[1] == 0x03;
    }

    private static String describe(byte[] first) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (byte b : first) {
            hex.append(hex.length() == 0 ? "" : " ").append(String.format("%02x", b & 0xFF));
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        String shown = "its first bytes are " + hex + " (\"" + text + "\")";
        if (first.length >= 4 && new String(first, 0, 4, StandardCharsets.US_ASCII).equals("PIPC")) {
            return shown + ", a pipc preface: the peer is a pipc end without TLS";
        }
        return shown;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
