package io.pipc.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreErrorsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * What names the beans of {@code pipc.*}, and nothing else: each entry's key, its channels and
 * whether it is a gateway. The registration reads this much while bean definitions are
 * registered (ahead of time, with AOT); every other value, and every check, comes later, from
 * the {@link PipcProperties} bean that Boot binds. A value that cannot be read is left out
 * here: that binding reports it.
 *
 * @param pipes the pipe entries by key, in configuration order
 * @param servers the server entries by key, in configuration order
 */
record PipcLayout(Map<String, Entry> pipes, Map<String, Entry> servers) {

    static final ConfigurationPropertyName PIPC = ConfigurationPropertyName.of("pipc");

    private static final ConfigurationPropertyName PIPES = ConfigurationPropertyName.of("pipc.pipes");

    private static final ConfigurationPropertyName SERVERS = ConfigurationPropertyName.of("pipc.servers");

    /**
     * @param environment the environment of the context being registered
     * @return the entries it configures
     */
    static PipcLayout read(Environment environment) {
        Map<String, ConfigurationPropertyName> pipeKeys = new LinkedHashMap<>();
        Map<String, ConfigurationPropertyName> serverKeys = new LinkedHashMap<>();
        eachName(environment, (name) -> {
            // An entry is there when any property under its key is, as for Boot's binding of a map.
            if (name.getNumberOfElements() > 3 && PIPES.isAncestorOf(name)) {
                pipeKeys.putIfAbsent(name.getElement(2, Form.ORIGINAL), name.chop(3));
            }
            else if (name.getNumberOfElements() > 3 && SERVERS.isAncestorOf(name)) {
                serverKeys.putIfAbsent(name.getElement(2, Form.ORIGINAL), name.chop(3));
            }
        });
        Binder binder = Binder.get(environment);
        return new PipcLayout(entries(binder, pipeKeys), entries(binder, serverKeys));
    }

    /**
     * Hands over the name of every property under {@code pipc} in the sources Boot binds maps
     * from, without reading any value.
     *
     * @param environment where the properties are
     * @param action what to do with each name
     */
    static void eachName(Environment environment, Consumer<ConfigurationPropertyName> action) {
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.filter(PIPC::isAncestorOf).forEach(action);
            }
        }
    }

    /**
     * @param definitions checked entries
     * @return their layout, to compare with the one the beans were registered for
     */
    static PipcLayout of(PipcDefinitions definitions) {
        Map<String, Entry> pipes = new LinkedHashMap<>();
        definitions.pipes().forEach((pipe) -> pipes.put(pipe.key(), Entry.of(pipe.properties())));
        Map<String, Entry> servers = new LinkedHashMap<>();
        definitions.servers().forEach((server) -> servers.put(server.key(), Entry.of(server.properties())));
        return new PipcLayout(pipes, servers);
    }

    private static Map<String, Entry> entries(Binder binder, Map<String, ConfigurationPropertyName> keys) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        keys.forEach((key, name) -> entries.put(key, binder.bind(name, Bindable.of(Entry.class),
                new IgnoreErrorsBindHandler()).orElseGet(() -> new Entry(null, null, null))));
        return entries;
    }

    /**
     * One entry's part of the layout.
     *
     * @param inboundChannel {@code inbound-channel}, when it names a channel
     * @param outboundChannel {@code outbound-channel}, when it names a channel
     * @param gateway {@code gateway}, when it reads as true
     */
    record Entry(@Nullable String inboundChannel, @Nullable String outboundChannel, @Nullable Boolean gateway) {

        Entry {
            // A blank channel is no bean name; the check of the properties reports it.
            inboundChannel = StringUtils.hasText(inboundChannel) ? inboundChannel : null;
            outboundChannel = StringUtils.hasText(outboundChannel) ? outboundChannel : null;
            gateway = Boolean.TRUE.equals(gateway);
        }

        static Entry of(PipcProperties.Entry properties) {
            return new Entry(properties.getInboundChannel(), properties.getOutboundChannel(), properties.isGateway());
        }

        boolean isGateway() {
            return Boolean.TRUE.equals(this.gateway);
        }
    }
}
