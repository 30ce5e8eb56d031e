package io.pipc.boot.autoconfigure;

import io.pipc.Codec;

import org.jspecify.annotations.Nullable;

/**
 * What a checked pipe and a checked server have in common, for the endpoints both can have.
 */
sealed interface EntryDefinition permits PipeDefinition, ServerDefinition {

    /**
     * @return the entry's key, which names its beans
     */
    String key();

    /**
     * @return the bound properties
     */
    PipcProperties.Entry properties();

    /**
     * @return the payload codec
     */
    CodecType codec();

    /**
     * @return the class json payloads are read as, for {@link CodecType#JSON}
     */
    @Nullable Class<?> jsonType();

    /**
     * @return the prefix of this entry's properties, for messages
     */
    String propertyPrefix();

    /**
     * @return a new codec of the entry's payloads, or null for {@code bytes}
     */
    default @Nullable Codec<?> payloadCodec() {
        return PayloadCodecs.create(codec(), jsonType(), properties().getMaxMessageSize().toBytes());
    }
}
