package io.pipc.wire;

import java.util.Objects;

import io.pipc.Envelope;

/**
 * One unit received from the peer once the handshake is complete: a message, or one of the
 * control frames that tell the reader about the connection rather than carry data. The Python
 * wire only ever yields {@link Data}.
 */
public sealed interface Frame {

    /**
     * A message, with its headers when the peer sent any.
     *
     * @param message the payload and headers; its payload array belongs to the receiver
     */
    record Data(Envelope message) implements Frame {
        /**
         * @param message the payload and headers
         */
        public Data {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The peer is alive; sent on an idle connection so that a silent peer can be told from a
     * dead one.
     */
    record Heartbeat() implements Frame {
        /** The one heartbeat every decoder hands out; all heartbeats are equal. */
        public static final Heartbeat INSTANCE = new Heartbeat();
    }

    /**
     * The peer called {@link io.pipc.Pipe#disconnect(String)}: it sends nothing more, and says why.
     *
     * @param reason the peer's reason, possibly empty
     */
    record Disconnect(String reason) implements Frame {
        /**
         * @param reason the peer's reason, possibly empty
         */
        public Disconnect {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The peer is closing in good order: it sends nothing more, and nothing it wrote was lost.
     */
    record Goodbye() implements Frame {
        /** The one goodbye every decoder hands out; all goodbyes are equal. */
        public static final Goodbye INSTANCE = new Goodbye();
    }

    /**
     * The peer asks this end to send nothing more: this end's later writes fail, what it had
     * queued still leaves, followed by its goodbye. The peer goes on writing; this end goes on
     * reading.
     */
    record Stop() implements Frame {
        /** The one stop every decoder hands out; all stops are equal. */
        public static final Stop INSTANCE = new Stop();
    }
}
