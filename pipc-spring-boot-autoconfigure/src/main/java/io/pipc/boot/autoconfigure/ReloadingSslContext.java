package io.pipc.boot.autoconfigure;

import java.security.SecureRandom;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ssl.SslBundle;

/**
 * The TLS context of an SSL bundle that Boot may reload: every engine, and so every connection,
 * comes from the bundle's current context. The pipes and servers keep this one object in their
 * options; a reload swaps what it hands out, so connections made after it use the new keys and
 * trust, and those made before keep theirs.
 */
final class ReloadingSslContext extends SSLContext {

    private static final Logger logger = LoggerFactory.getLogger(ReloadingSslContext.class);

    private final String bundleName;

    private final Current current;

    /**
     * @param bundleName the bundle, for the log
     * @param initial the bundle's context now
     */
    ReloadingSslContext(String bundleName, SSLContext initial) {
        this(bundleName, new Current(initial), initial);
    }

    private ReloadingSslContext(String bundleName, Current current, SSLContext initial) {
        super(current, initial.getProvider(), initial.getProtocol());
        this.bundleName = bundleName;
        this.current = current;
    }

    /**
     * Takes the reloaded bundle's context for the connections made from now on. A bundle whose
     * context cannot be made leaves the last one in use.
     *
     * @param bundle the bundle as reloaded
     */
    void reload(SslBundle bundle) {
        SSLContext next;
        try {
            next = bundle.createSslContext();
        }
        catch (RuntimeException ex) {
            logger.warn("SSL bundle '{}' was reloaded but makes no TLS context ({}); pipc keeps using the one it had",
                    this.bundleName, ex.toString());
            return;
        }
        this.current.context = next;
        logger.info("SSL bundle '{}' was reloaded; pipc connections made from now on use it", this.bundleName);
    }

    /** Hands every call to the context of the moment. */
    private static final class Current extends SSLContextSpi {

        private volatile SSLContext context;

        Current(SSLContext context) {
            this.context = context;
        }

        @Override
        protected void engineInit(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
            throw new UnsupportedOperationException("the context of an SSL bundle is made by the bundle");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return this.context.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return this.context.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return this.context.createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return this.context.createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return this.context.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return this.context.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return this.context.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return this.context.getSupportedSSLParameters();
        }
    }
}
