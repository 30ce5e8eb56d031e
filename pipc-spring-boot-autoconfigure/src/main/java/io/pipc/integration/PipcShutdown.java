package io.pipc.integration;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Drains every pipc inbound source of the context, in a lifecycle phase of its own before any
 * of them stops: first the clients of every server ({@link ServerConnections}), all servers at
 * once, then every pipe's inbound endpoint ({@link PipeInboundChannelAdapter},
 * {@link PipeInboundGateway}), all pipes at once; and only when the last drain has ended does it
 * tell the context that it has stopped. Each drain keeps its own grace period. The endpoints and
 * connections, stopped afterwards in their own phases, then have nothing left to do.
 *
 * <p>Why the drains need a bean of their own: Spring ends a phase once it has received as many
 * stop callbacks as the phase has beans, and before it stops a bean it stops the beans that
 * depend on it, in the same phase and counted against the same number, whatever their own phase
 * (spring-framework issue 28277). An inbound endpoint depends on its server's connections and
 * stops them, so each server gives two callbacks in the connections' phase, both when its drain
 * ends: with two servers, an idle one's two callbacks end the phase while the busy one still
 * drains, and Spring goes on to close the pipes and unsubscribe the handlers under it. Nothing
 * depends on this bean, so the one callback it gives is counted once, and comes after the last
 * drain.
 *
 * <p>The auto-configuration declares it; an application that makes its endpoints with the Java
 * DSL alone declares it as a bean.
 */
public final class PipcShutdown implements SmartLifecycle, BeanFactoryAware {

    /** Before {@link ServerConnections} stop (their {@link ServerConnections#DEFAULT_PHASE}). */
    public static final int DEFAULT_PHASE = ServerConnections.DEFAULT_PHASE + 1024;

    private static final Logger logger = LoggerFactory.getLogger(PipcShutdown.class);

    private @Nullable ListableBeanFactory beans;

    private volatile boolean running;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        if (!(beanFactory instanceof ListableBeanFactory listable)) {
            throw new IllegalArgumentException("PipcShutdown needs a ListableBeanFactory to find the pipc endpoints to"
                    + " drain (was " + beanFactory.getClass().getName() + ")");
        }
        this.beans = listable;
    }

    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public void start() {
        this.running = true;
    }

    /**
     * Drains every server, then every pipe, and returns when the last drain has ended.
     */
    @Override
    public void stop() {
        this.running = false;
        drain();
    }

    /**
     * Drains as {@link #stop()} does, on a thread of its own, and calls back once, when the last
     * drain has ended.
     */
    @Override
    public void stop(Runnable callback) {
        this.running = false;
        Thread draining = new Thread(() -> {
            try {
                drain();
            }
            finally {
                callback.run();
            }
        }, "pipc-shutdown");
        draining.start();
    }

    private void drain() {
        ListableBeanFactory factory = this.beans;
        if (factory == null) {
            return;
        }
        // Servers first: a server's flow may still ask over a pipe's outbound gateway, whose
        // replies arrive through that pipe's inbound endpoint.
        stopAll(factory.getBeansOfType(ServerConnections.class, false, false).values());
        List<SmartLifecycle> endpoints = new ArrayList<>();
        endpoints.addAll(factory.getBeansOfType(PipeInboundChannelAdapter.class, false, false).values());
        endpoints.addAll(factory.getBeansOfType(PipeInboundGateway.class, false, false).values());
        stopAll(endpoints);
    }

    /** Stops them all at once, and waits until each has called back. */
    private static void stopAll(Collection<? extends SmartLifecycle> stopping) {
        CountDownLatch stopped = new CountDownLatch(stopping.size());
        for (SmartLifecycle lifecycle : stopping) {
            try {
                lifecycle.stop(stopped::countDown);
            }
            catch (RuntimeException ex) {
                logger.warn("could not stop {}: {}", lifecycle, ex.toString());
                stopped.countDown();
            }
        }
        try {
            // Not bounded here: each drain is bounded by its own grace period, and the context by
            // spring.lifecycle.timeout-per-shutdown-phase.
            stopped.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "PipcShutdown";
    }
}
