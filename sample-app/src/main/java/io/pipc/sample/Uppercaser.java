package io.pipc.sample;

import java.util.Locale;

import org.springframework.context.annotation.Profile;
import org.springframework.integration.annotation.ServiceActivator;
import org.springframework.stereotype.Component;

/** The worker's handler for the coordinator's requests over the named pipe. */
@Component
@Profile("worker")
class Uppercaser {

    @ServiceActivator(inputChannel = "uppercase")
    String uppercase(String text) {
        return text.toUpperCase(Locale.ROOT);
    }
}
