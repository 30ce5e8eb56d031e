package io.pipc.boot.autoconfigure;

import java.net.InetAddress;

import io.pipc.Transport;
import io.pipc.Wire;

import org.jspecify.annotations.Nullable;

/**
 * One checked entry of {@code pipc.pipes}: the bound properties, and what the checks derived from them.
 *
 * @param key the entry's key, which names its beans
 * @param properties the bound properties
 * @param transport the transport
 * @param rendezvousName the FIFO or in-process rendezvous name
 * @param mode how a TCP pipe finds its peer
 * @param localAddress where a TCP rendezvous listens and connects from, or null for the default
 * @param codec the payload codec
 * @param jsonType the class json payloads are read as, for {@link CodecType#JSON}
 * @param wire the wire format
 */
record PipeDefinition(String key, PipcProperties.PipeEntry properties, Transport transport, String rendezvousName,
        TcpMode mode, @Nullable InetAddress localAddress, CodecType codec, @Nullable Class<?> jsonType, Wire wire)
        implements EntryDefinition {

    /**
     * @return the name of the {@code Pipe} bean
     */
    String beanName() {
        return this.key + "Pipe";
    }

    @Override
    public String propertyPrefix() {
        return PipcDefinitions.propertyPrefix("pipc.pipes", this.key);
    }
}
