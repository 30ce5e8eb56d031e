package io.pipc.boot.autoconfigure;

import io.pipc.Transport;
import io.pipc.Wire;

import org.jspecify.annotations.Nullable;

/**
 * One checked entry of {@code pipc.servers}: the bound properties, and what the checks derived from them.
 *
 * @param key the entry's key, which names its beans
 * @param properties the bound properties
 * @param transport {@link Transport#TCP} or {@link Transport#UNIX}
 * @param codec the payload codec
 * @param jsonType the class json payloads are read as, for {@link CodecType#JSON}
 * @param wire the wire format
 */
record ServerDefinition(String key, PipcProperties.ServerEntry properties, Transport transport, CodecType codec,
        @Nullable Class<?> jsonType, Wire wire) implements EntryDefinition {

    /**
     * @return the name of the {@code PipeServer} bean
     */
    String beanName() {
        return this.key + "PipeServer";
    }

    @Override
    public String propertyPrefix() {
        return PipcDefinitions.propertyPrefix("pipc.servers", this.key);
    }
}
