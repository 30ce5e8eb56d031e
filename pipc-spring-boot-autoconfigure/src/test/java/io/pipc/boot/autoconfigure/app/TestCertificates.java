package io.pipc.boot.autoconfigure.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Self-signed certificates made at test time with the JDK's {@code keytool}, as PKCS12 files a
 * Spring SSL bundle loads: {@code server.p12} (a key whose certificate names localhost and
 * 127.0.0.1), {@code client.p12}, and the trust stores {@code trusts-server.p12} and
 * {@code trusts-client.p12} holding just the other side's certificate. Adapted from the core's
 * TLS tests; public for the starter's other test packages.
 */
public final class TestCertificates {

    static final String PASSWORD = "changeit";

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    /**
     * @param directory a private temporary directory
     * @return the certificates, made there
     */
    public static TestCertificates create(Path directory) throws IOException, InterruptedException, GeneralSecurityException {
        List<Process> running = new ArrayList<>();
        running.add(keytool(directory, "server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1"));
        running.add(keytool(directory, "client", "CN=pipc-client", null));
        for (Process process : running) {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
            assertThat(process.exitValue()).as("keytool exit code; its output: %s",
                    new String(process.getInputStream().readAllBytes())).isZero();
        }
        TestCertificates certificates = new TestCertificates(directory);
        certificates.trustStore("server");
        certificates.trustStore("client");
        return certificates;
    }

    /**
     * @param name "server.p12", "client.p12", "trusts-server.p12" or "trusts-client.p12"
     * @return the file
     */
    public Path file(String name) {
        return this.directory.resolve(name);
    }

    /**
     * @param bundle the bundle's name
     * @param key the key store's file
     * @param trust the trust store's file
     * @return the properties of a Spring SSL bundle of PKCS12 files
     */
    public String[] bundle(String bundle, String key, String trust) {
        String prefix = "spring.ssl.bundle.jks." + bundle + ".";
        return new String[] { prefix + "keystore.location=file:" + file(key), prefix + "keystore.password=" + PASSWORD,
                prefix + "keystore.type=PKCS12", prefix + "truststore.location=file:" + file(trust),
                prefix + "truststore.password=" + PASSWORD, prefix + "truststore.type=PKCS12" };
    }

    /**
     * @return a context with no key of its own that trusts the server: a client a mutual-TLS server refuses
     */
    public SSLContext clientWithoutCertificate() throws IOException, GeneralSecurityException {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(file("trusts-server.p12")));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private void trustStore(String alias) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(alias, load(file(alias + ".p12")).getCertificate(alias));
        try (OutputStream out = Files.newOutputStream(file("trusts-" + alias + ".p12"))) {
            trust.store(out, PASSWORD.toCharArray());
        }
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static Process keytool(Path directory, String alias, String dname, String san) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>(List.of(keytool.toString(), "-genkeypair", "-alias", alias,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", directory.resolve(alias + ".p12").toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD));
        if (san != null) {
            command.add("-ext");
            command.add(san);
        }
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
