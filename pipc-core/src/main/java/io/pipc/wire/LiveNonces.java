package io.pipc.wire;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * The challenges this process has sent in handshakes that are still running, on every
 * connection and every wire, each with the connection it was sent on.
 *
 * <p>A handshake answers the peer's challenge with a MAC under the shared secret. A party
 * without the secret can try to obtain an answer by relaying a challenge this process sent on
 * one connection as its own challenge on another, where this process answers it (the process
 * is a server and a client with one secret, or both sides of a rendezvous), and then present
 * that answer on the first connection. To a handshake this relay looks exactly like a process
 * connected to itself, except in one thing the relaying party cannot forge: the connection. So
 * a challenge equal to one of this process's own live challenges is refused unless it was sent
 * on the other end of this very connection ({@link ConnectionEnds#mirrors}). This is the one
 * defence the Python wire has, since CPython's protocol binds nothing else.
 *
 * <p>Thread-safe. A handshake registers its challenge before sending it and releases it when
 * it completes, fails or is abandoned; an entry lives no longer than its handshake.
 */
final class LiveNonces {

    /** The registry of this process. */
    static final LiveNonces PROCESS = new LiveNonces();

    private final Map<ByteBuffer, ConnectionBinding> live = new ConcurrentHashMap<>();

    /**
     * Registers a challenge this process is about to send.
     *
     * @param challenge the bytes the peer is to MAC; copied
     * @param connection the connection it is sent on
     * @return the registration, to release once the handshake has ended
     */
    Registration register(byte[] challenge, ConnectionBinding connection) {
        ByteBuffer key = ByteBuffer.wrap(challenge.clone()).asReadOnlyBuffer();
        if (live.putIfAbsent(key, connection) != null) {
            // Fresh random bytes never repeat; a repeat means the caller reused a challenge.
            throw new IllegalStateException("this challenge is already live in this process");
        }
        return new Registration(key);
    }

    /**
     * @param challenge a challenge received from a peer
     * @param receivedOn the connection it arrived on
     * @return a description of the relay when the challenge is one this process sent on another
     *         connection in a handshake still running, or null when it may be answered
     */
    @Nullable String relayed(byte[] challenge, ConnectionBinding receivedOn) {
        ConnectionBinding sentOn = live.get(ByteBuffer.wrap(challenge));
        if (sentOn == null) {
            return null;
        }
        ConnectionEnds here = receivedOn.ends();
        ConnectionEnds there = sentOn.ends();
        if (here.mirrors(there)) {
            return null;
        }
        return "it was sent on the connection " + there.local() + " <-> " + there.remote() + " and came back on "
                + here.local() + " <-> " + here.remote();
    }

    /**
     * @return how many challenges are live; for tests that check nothing is left behind
     */
    int size() {
        return live.size();
    }

    /** One live challenge; releasing it twice is harmless. */
    final class Registration {

        private final ByteBuffer key;
        private final AtomicBoolean released = new AtomicBoolean();

        private Registration(ByteBuffer key) {
            this.key = key;
        }

        /** The handshake has ended: the challenge is no longer live. */
        void release() {
            if (released.compareAndSet(false, true)) {
                live.remove(key);
            }
        }
    }
}
