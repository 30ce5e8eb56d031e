package io.pipc.boot.autoconfigure.app.busy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.pipc.integration.event.PipeConnectionClosedEvent;
import io.pipc.integration.event.PipeServerListeningEvent;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.integration.annotation.ServiceActivator;

/**
 * An application with three endpoints, each fed by its own peer: a TCP server gateway
 * ({@code tcpRequests}), a Unix socket server gateway ({@code unixRequests}) and a FIFO pipe
 * with an inbound adapter ({@code feed}); the properties that declare them are given by the
 * test (or the command line, when it runs in its own JVM). Gateways answer {@code "tcp:"} and
 * {@code "unix:"} followed by the request's id ({@link StreamingPeer#id}); the feed counts what arrives and checks its order,
 * and says so on standard output when the application is destroyed, after every drain.
 *
 * <p>With {@code busy.hold=true} each handler holds its first message, so that the peers' later
 * messages are in flight when the context closes, and the TCP server's drain ends first: the TCP
 * handler holds it until the close begins, the Unix and FIFO handlers until the TCP server's
 * client is gone. A shutdown that stops waiting when the first server's drain ends shows as lost
 * Unix replies.
 */
@SpringBootApplication
public class BusyEndpointsApplication implements DisposableBean {

    /** Reaches each handler's first message, when {@code busy.hold=true}. */
    public final CountDownLatch tcpHolding = new CountDownLatch(1);

    /** See {@link #tcpHolding}. */
    public final CountDownLatch unixHolding = new CountDownLatch(1);

    /** See {@link #tcpHolding}. */
    public final CountDownLatch feedHolding = new CountDownLatch(1);

    private final CountDownLatch closing = new CountDownLatch(1);

    private final CountDownLatch tcpClientGone = new CountDownLatch(1);

    private final InOrder feed = new InOrder();

    @Value("${busy.hold:false}")
    private boolean hold;

    @Value("${busy.port-file:}")
    private String portFile;

    /**
     * @param args Spring Boot arguments, the pipc properties among them
     */
    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(BusyEndpointsApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.run(args);
    }

    @ServiceActivator(inputChannel = "tcpRequests")
    String tcp(String request) throws InterruptedException {
        holdFirst(this.tcpHolding, this.closing);
        return "tcp:" + StreamingPeer.id(request);
    }

    @ServiceActivator(inputChannel = "unixRequests")
    String unix(String request) throws InterruptedException {
        holdFirst(this.unixHolding, this.tcpClientGone);
        return "unix:" + StreamingPeer.id(request);
    }

    @ServiceActivator(inputChannel = "feed")
    void feed(String message) throws InterruptedException {
        holdFirst(this.feedHolding, this.tcpClientGone);
        this.feed.add(StreamingPeer.id(message));
    }

    /**
     * @return the feed's messages handled so far, and whether they came in order
     */
    public InOrder feed() {
        return this.feed;
    }

    @EventListener
    void closing(ContextClosedEvent event) {
        this.closing.countDown();
    }

    /** Tells a test in another JVM which port the TCP server took, when {@code busy.port-file} is set. */
    @EventListener
    void listening(PipeServerListeningEvent event) throws IOException {
        if ("tcp".equals(event.getPipeName()) && !this.portFile.isEmpty()
                && event.getAddress() instanceof InetSocketAddress address) {
            Path file = Path.of(this.portFile);
            Path written = Files.writeString(file.resolveSibling(file.getFileName() + ".new"),
                    String.valueOf(address.getPort()));
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    @EventListener
    void connectionClosed(PipeConnectionClosedEvent event) {
        if ("tcp".equals(event.getPipeName())) {
            this.tcpClientGone.countDown();
        }
    }

    /** After every lifecycle bean stopped, so after every drain. */
    @Override
    public void destroy() {
        System.out.println(this.feed.report());
    }

    private void holdFirst(CountDownLatch first, CountDownLatch until) throws InterruptedException {
        if (first.getCount() > 0) {
            first.countDown();
            if (this.hold) {
                until.await(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Messages m0, m1, ... counted as they arrive; the first one out of place is kept. */
    public static final class InOrder {

        private int count;

        private String firstOutOfOrder = "";

        synchronized void add(String message) {
            if (this.firstOutOfOrder.isEmpty() && !message.equals("m" + this.count)) {
                this.firstOutOfOrder = message + " at " + this.count;
            }
            this.count++;
        }

        /**
         * @return how many arrived
         */
        public synchronized int count() {
            return this.count;
        }

        /**
         * @return "feed handled N messages in order", or which one was out of place
         */
        public synchronized String report() {
            return "feed handled " + this.count + " messages "
                    + (this.firstOutOfOrder.isEmpty() ? "in order" : "out of order: " + this.firstOutOfOrder);
        }
    }
}
