package io.pipc.boot.autoconfigure;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

import io.pipc.integration.event.PipeServerListeningEvent;

import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

/**
 * Sets {@code local.pipc.server.<name>.port} to the port each TCP server listens on, once it
 * listens, as Boot sets {@code local.server.port} for its web server: so that a server on
 * {@code port: 0} can be found with {@code @Value("${local.pipc.server.api.port}")}.
 */
final class PipcServerPorts implements ApplicationListener<PipeServerListeningEvent> {

    /** The property source that holds the ports. */
    static final String PROPERTY_SOURCE_NAME = "pipc.server.ports";

    private final ConfigurableEnvironment environment;

    PipcServerPorts(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    /**
     * @param name a server entry's key
     * @return the property that holds its port
     */
    static String portProperty(String name) {
        return "local.pipc.server." + name + ".port";
    }

    @Override
    public void onApplicationEvent(PipeServerListeningEvent event) {
        if (event.getAddress() instanceof InetSocketAddress address) {
            ports().put(portProperty(event.getPipeName()), address.getPort());
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> ports() {
        MutablePropertySources sources = this.environment.getPropertySources();
        PropertySource<?> source = sources.get(PROPERTY_SOURCE_NAME);
        if (source == null) {
            source = new MapPropertySource(PROPERTY_SOURCE_NAME, new HashMap<>());
            sources.addFirst(source);
        }
        return (Map<String, Object>) source.getSource();
    }

    @Override
    public boolean supportsAsyncExecution() {
        return false;
    }
}
