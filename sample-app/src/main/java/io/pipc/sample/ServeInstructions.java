package io.pipc.sample;

import java.io.PrintStream;

import io.pipc.Wire;
import io.pipc.integration.event.PipeServerListeningEvent;

import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** In serve mode: says where each server listens and how to talk to it. */
@Component
@Profile("serve")
class ServeInstructions {

    private final PrintStream out = System.out;

    @EventListener
    void listening(PipeServerListeningEvent event) {
        String name = event.getPipeName();
        out.printf("pipc sample: server '%s' (%s) counts the words of every message, listening on %s%n",
                name, name.equals("python") ? Wire.PYTHON + " wire" : Wire.NATIVE + " wire", event.getAddress());
        if (name.equals("python")) {
            out.println("  try: python3 -c \"from multiprocessing.connection import Client; c = Client(('127.0.0.1', "
                    + ((java.net.InetSocketAddress) event.getAddress()).getPort()
                    + ")); c.send_bytes(b'to be or not to be'); print(c.recv_bytes())\"");
        }
    }
}
