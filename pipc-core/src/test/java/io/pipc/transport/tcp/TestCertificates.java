package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates made at test time with the JDK's {@code keytool}: a server whose
 * certificate names localhost, 127.0.0.1 and 127.0.0.2, a client, a stranger nobody trusts, and
 * an impostor whose certificate names another host (impostor.invalid, 127.0.0.9) and which a
 * rendezvous peer may trust as well, as a CA would trust every host it issued a certificate for.
 */
final class TestCertificates {

    private static final char[] PASSWORD = "changeit".toCharArray();

    private final KeyStore server;
    private final KeyStore client;
    private final KeyStore stranger;
    private final KeyStore impostor;

    private TestCertificates(KeyStore server, KeyStore client, KeyStore stranger, KeyStore impostor) {
        this.server = server;
        this.client = client;
        this.stranger = stranger;
        this.impostor = impostor;
    }

    /**
     * @param directory a private temporary directory
     * @return fresh certificates
     */
    static TestCertificates create(Path directory) throws IOException, InterruptedException, GeneralSecurityException {
        List<Process> running = new ArrayList<>();
        running.add(keytool(directory, "server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1,ip:127.0.0.2"));
        running.add(keytool(directory, "client", "CN=pipc-client", null));
        running.add(keytool(directory, "stranger", "CN=stranger", "SAN=dns:localhost,ip:127.0.0.1"));
        running.add(keytool(directory, "impostor", "CN=impostor.invalid", "SAN=dns:impostor.invalid,ip:127.0.0.9"));
        for (Process process : running) {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
            assertThat(process.exitValue()).as("keytool exit code; its output: %s",
                    new String(process.getInputStream().readAllBytes())).isZero();
        }
        return load(directory);
    }

    /**
     * @param directory where {@link #create} made them
     * @return the certificates made there
     */
    static TestCertificates load(Path directory) throws IOException, GeneralSecurityException {
        return new TestCertificates(loadStore(directory.resolve("server.p12")), loadStore(directory.resolve("client.p12")),
                loadStore(directory.resolve("stranger.p12")), loadStore(directory.resolve("impostor.p12")));
    }

    private static Process keytool(Path directory, String alias, String dname, String san) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>(List.of(keytool.toString(), "-genkeypair", "-alias", alias,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", directory.resolve(alias + ".p12").toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
        if (san != null) {
            command.add("-ext");
            command.add(san);
        }
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static KeyStore loadStore(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    /** @return the server's key, trusting the client's certificate (for mutual TLS) */
    SSLContext server() throws GeneralSecurityException {
        return context(server, certificate(client, "client"));
    }

    /** @return the client's key, trusting the server */
    SSLContext client() throws GeneralSecurityException {
        return context(client, certificate(server, "server"));
    }

    /** @return no key at all, trusting the server */
    SSLContext clientWithoutCertificate() throws GeneralSecurityException {
        return context(null, certificate(server, "server"));
    }

    /** @return a key the server does not trust, trusting the server */
    SSLContext stranger() throws GeneralSecurityException {
        return context(stranger, certificate(server, "server"));
    }

    /** @return the stranger's own key, trusting only itself: a server nobody else trusts */
    SSLContext strangerServer() throws GeneralSecurityException {
        return context(stranger, certificate(stranger, "stranger"));
    }

    /** @return the server's key, trusting the server's certificate: both ends of a TLS rendezvous */
    SSLContext peer() throws GeneralSecurityException {
        return context(server, certificate(server, "server"));
    }

    /** @return the server's key, trusting the server's and the impostor's certificates: a rendezvous end whose CA also issued the impostor's */
    SSLContext peerTrustingTheImpostor() throws GeneralSecurityException {
        return context(server, certificate(server, "server"), certificate(impostor, "impostor"));
    }

    /** @return the impostor's key, trusting the server: a trusted certificate, but for another host */
    SSLContext impostor() throws GeneralSecurityException {
        return context(impostor, certificate(server, "server"));
    }

    private static Certificate certificate(KeyStore store, String alias) throws GeneralSecurityException {
        return store.getCertificate(alias);
    }

    private static SSLContext context(KeyStore key, Certificate... trusted) throws GeneralSecurityException {
        KeyManager[] keys = null;
        if (key != null) {
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(key, PASSWORD);
            keys = factory.getKeyManagers();
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try {
            trust.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        for (int i = 0; i < trusted.length; i++) {
            trust.setCertificateEntry("trusted-" + i, trusted[i]);
        }
        TrustManagerFactory trustFactory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustFactory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys, trustFactory.getTrustManagers(), null);
        return context;
    }
}
