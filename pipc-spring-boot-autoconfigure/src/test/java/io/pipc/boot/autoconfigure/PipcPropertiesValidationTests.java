package io.pipc.boot.autoconfigure;

import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import io.pipc.Transport;
import io.pipc.Wire;
import io.pipc.boot.autoconfigure.app.TestCertificates;
import io.pipc.boot.test.InProcessPipeFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every rule of {@link PipcDefinitions}: a property in, the start failing with one message
 * naming the property and the value out.
 */
@Timeout(30)
class PipcPropertiesValidationTests {

    @BeforeAll
    static void makeCertificates() throws Exception {
        certificates = TestCertificates.create(keys);
    }

    @TempDir
    static Path keys;

    private static TestCertificates certificates;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, SslAutoConfiguration.class));

    @Test
    void unknownTransport() {
        fails("pipc.pipes.orders.transport must be one of in-process, fifo, unix, tcp (was 'pigeon')",
                "pipc.pipes.orders.transport=pigeon");
    }

    @Test
    void missingTransport() {
        fails("pipc.pipes.orders.transport is required: one of in-process, fifo, unix, tcp",
                "pipc.pipes.orders.codec=string");
    }

    @Test
    void transportIsReadWithoutRegardToCase() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=IN_PROCESS")
                .run((context) -> assertThat(context).hasNotFailed().hasBean("ordersPipe"));
    }

    @Test
    void unknownServerTransport() {
        fails("pipc.servers.api.transport must be one of unix, tcp (was 'pigeon')", "pipc.servers.api.transport=pigeon");
    }

    @Test
    void kindsAreBoundAsBootBindsEnums() {
        this.runner.withPropertyValues("pipc.pipes.link.transport=TCP", "pipc.pipes.link.port=7001",
                "pipc.pipes.link.mode=Connect", "pipc.pipes.link.codec=STRING", "pipc.pipes.link.wire=native")
                // Nothing listens on 7001: the pipe opens in-process instead.
                .withBean(PipeFactory.class, () -> new InProcessPipeFactory(PipeFactory.pipes()))
                .run((context) -> {
                    PipcProperties.PipeEntry link = context.getBean(PipcProperties.class).getPipes().get("link");
                    assertThat(link.getTransport()).isEqualTo(Transport.TCP);
                    assertThat(link.getMode()).isEqualTo(TcpMode.CONNECT);
                    assertThat(link.getCodec()).isEqualTo(CodecType.STRING);
                    assertThat(link.getWire()).isEqualTo(Wire.NATIVE);
                });
    }

    @Test
    void misspeltKeyOfAnEntryIsNamedWithWhatItsAbsenceCauses() {
        this.runner.withPropertyValues("pipc.pipes.orders.trasnport=fifo", "pipc.pipes.orders.codec=string")
                .run((context) -> assertThat(invalidProperties(context.getStartupFailure()).problems()).containsExactly(
                        "pipc.pipes.orders.trasnport is not a pipc property (was 'fifo')",
                        "pipc.pipes.orders.transport is required: one of in-process, fifo, unix, tcp"));
    }

    @Test
    void misspeltKeyBesideTheEntries() {
        fails("pipc.pipse.orders.transport is not a pipc property (was 'fifo')", "pipc.pipse.orders.transport=fifo");
    }

    @Test
    void misspeltKeyOfAServerBesideValidEntries() {
        fails("pipc.servers.api.conect-timeout is not a pipc property (was '5s')", "pipc.servers.api.transport=unix",
                "pipc.servers.api.conect-timeout=5s", "pipc.pipes.orders.transport=in-process");
    }

    @Test
    void durationThatCannotBeRead() {
        fails("pipc.pipes.orders.heartbeat must be a duration such as 30s, 500ms or PT30S (was 'often')",
                "pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.heartbeat=often");
    }

    @Test
    void numberThatCannotBeRead() {
        fails("pipc.servers.api.port must be a whole number (was 'http')", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=http");
    }

    @Test
    void theTreeIsBoundByBootIntoThePropertiesBeanNotWhileBeansAreRegistered() {
        this.runner.withPropertyValues("pipc.pipes.orders.transport=pigeon").run((context) -> {
            List<String> failedBeans = new ArrayList<>();
            for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
                if (cause instanceof BeanCreationException creation) {
                    failedBeans.add(creation.getBeanName());
                }
            }
            assertThat(failedBeans).endsWith("pipc-" + PipcProperties.class.getName());
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(InvalidPipcPropertiesException.class)
                    .cause().isInstanceOf(ConfigurationPropertiesBindException.class);
        });
    }

    @Test
    void directoryAloneConfiguresNothingAndIsNotChecked() {
        this.runner.withPropertyValues("pipc.directory=/tmp/ignored")
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(PipcProperties.class));
    }

    @Test
    void serverTransportThatOnlyPipesHave() {
        fails("pipc.servers.api.transport must be one of unix, tcp (was 'fifo')", "pipc.servers.api.transport=fifo");
    }

    @Test
    void missingPort() {
        fails("pipc.pipes.orders.port is required for transport tcp", "pipc.pipes.orders.transport=tcp");
    }

    @Test
    void portZeroForAPipe() {
        fails("pipc.pipes.orders.port must be between 1 and 65535 (was 0)", "pipc.pipes.orders.transport=tcp",
                "pipc.pipes.orders.port=0");
    }

    @Test
    void portOutOfRangeForAServer() {
        fails("pipc.servers.api.port must be between 0 and 65535 (was 70000)", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=70000");
    }

    @Test
    void portForATransportWithoutPorts() {
        fails("pipc.pipes.orders.port does not apply to transport fifo", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.port=7001");
    }

    @Test
    void fifoNameWithASlash() {
        fails("pipc.pipes.orders.name must be 1 to 100 characters of [A-Za-z0-9._-] (was '../etc/orders')",
                "pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.name=../etc/orders");
    }

    @Test
    void fifoNameTooLong() {
        String name = "n".repeat(101);
        fails("pipc.pipes.orders.name must be 1 to 100 characters of [A-Za-z0-9._-] (was '" + name + "')",
                "pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.name=" + name);
    }

    @Test
    void keyThatIsNotAValidDefaultFifoName() {
        fails("pipc.pipes.[my orders].name must be 1 to 100 characters of [A-Za-z0-9._-] (was 'my orders');"
                + " the name defaults to the entry's key, so set it", "pipc.pipes.[my orders].transport=fifo");
    }

    @Test
    void nonLoopbackServerWithoutSecretOrTls() {
        fails("pipc.servers.api.host is not a loopback address and the server would listen on the network: set"
                + " pipc.servers.api.secret or pipc.servers.api.ssl-bundle with pipc.servers.api.client-auth=true,"
                + " or use 127.0.0.1 (was '0.0.0.0')",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=7070", "pipc.servers.api.host=0.0.0.0");
    }

    @Test
    void nonLoopbackServerWithTlsThatAsksNoClientForACertificate() {
        fails("pipc.servers.api.host is not a loopback address and the server would listen on the network:"
                + " pipc.servers.api.ssl-bundle without pipc.servers.api.client-auth=true authenticates no client"
                + " (TLS then only encrypts): set pipc.servers.api.client-auth=true or pipc.servers.api.secret,"
                + " or use 127.0.0.1 (was '0.0.0.0')",
                withServerBundle("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                        "pipc.servers.api.host=0.0.0.0", "pipc.servers.api.ssl-bundle=server"));
    }

    @Test
    void nonLoopbackServerWithTlsAndClientAuthIsAllowed() {
        this.runner.withPropertyValues(withServerBundle("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.host=0.0.0.0", "pipc.servers.api.ssl-bundle=server", "pipc.servers.api.client-auth=true"))
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void nonLoopbackServerWithTlsAndASecretIsAllowed() {
        this.runner.withPropertyValues(withServerBundle("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.host=0.0.0.0", "pipc.servers.api.ssl-bundle=server", "pipc.servers.api.secret=s3cret"))
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void nonLoopbackRendezvousWithTlsIsAllowedSinceATlsRendezvousAlwaysRequiresTheCertificate() {
        PipcProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("pipc.pipes.link.transport", "tcp",
                "pipc.pipes.link.port", "7001", "pipc.pipes.link.host", "192.0.2.7", "pipc.pipes.link.ssl-bundle", "peers")))
                .bind("pipc", PipcProperties.class).get();

        // Resolved only: a started rendezvous would try to reach 192.0.2.7.
        assertThat(PipcDefinitions.resolve(properties, getClass().getClassLoader()).pipes()).hasSize(1);
    }

    @Test
    void sslBundleOptionsTheJvmDoesNotSupport() {
        fails("pipc.servers.api.ssl-bundle 'server' has options (enabled-protocols, ciphers) its TLS context does not"
                + " support: tlsProtocols holds 'TLSv9', which the SSLContext does not support (it supports "
                + String.join(", ", supportedProtocols()) + ")",
                withServerBundle("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                        "pipc.servers.api.ssl-bundle=server", "spring.ssl.bundle.jks.server.options.enabled-protocols=TLSv9"));
    }

    @Test
    void nonLoopbackServerWithASecretIsAllowed() {
        this.runner.withPropertyValues("pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.host=0.0.0.0", "pipc.servers.api.secret=s3cret")
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void nonLoopbackRendezvousWithoutSecretOrTls() {
        fails("pipc.pipes.link.host is not a loopback address and the rendezvous would listen on every interface:"
                + " set pipc.pipes.link.secret or pipc.pipes.link.ssl-bundle, or use 127.0.0.1 (was '192.0.2.7')",
                "pipc.pipes.link.transport=tcp", "pipc.pipes.link.port=7001", "pipc.pipes.link.host=192.0.2.7");
    }

    @Test
    void nonLoopbackLocalAddressOfARendezvousWithoutSecretOrTls() {
        fails("pipc.pipes.link.local-address is not a loopback address and the rendezvous would listen on it: set"
                + " pipc.pipes.link.secret or pipc.pipes.link.ssl-bundle, or use a loopback address (was '0.0.0.0')",
                "pipc.pipes.link.transport=tcp", "pipc.pipes.link.port=7001", "pipc.pipes.link.local-address=0.0.0.0");
    }

    @Test
    void localAddressThatCannotBeResolved() {
        fails("pipc.pipes.link.local-address cannot be resolved (was 'no such host.invalid')",
                "pipc.pipes.link.transport=tcp", "pipc.pipes.link.port=7001",
                "pipc.pipes.link.local-address=no such host.invalid");
    }

    @Test
    void localAddressOfAClient() {
        fails("pipc.pipes.link.local-address applies only to a tcp rendezvous (mode rendezvous)",
                "pipc.pipes.link.transport=tcp", "pipc.pipes.link.mode=connect", "pipc.pipes.link.port=7001",
                "pipc.pipes.link.local-address=127.0.0.1");
    }

    @Test
    void hostnameVerificationOffWithoutTls() {
        fails("pipc.pipes.link.tls-hostname-verification applies only with pipc.pipes.link.ssl-bundle (was false)",
                "pipc.pipes.link.transport=tcp", "pipc.pipes.link.mode=connect", "pipc.pipes.link.port=7001",
                "pipc.pipes.link.tls-hostname-verification=false");
    }

    @Test
    void zeroMaxInFlight() {
        fails("pipc.servers.api.max-in-flight must be at least 1 (was 0)", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=0", "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=in",
                "pipc.servers.api.max-in-flight=0");
    }

    @Test
    void backoffThatDoesNotGrow() {
        fails("pipc.pipes.orders.backoff.multiplier must be at least 1 (was 0.5)", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.backoff.multiplier=0.5");
    }

    @Test
    void backoffWhoseLongestWaitIsShorterThanItsFirst() {
        fails("pipc.pipes.orders.backoff.max-interval must be at least pipc.pipes.orders.backoff.initial-interval (1s)"
                + " (was 500ms)", "pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.backoff.initial-interval=1s",
                "pipc.pipes.orders.backoff.max-interval=500ms");
    }

    @Test
    void backoffWithoutAWait() {
        fails("pipc.pipes.orders.backoff.initial-interval must be positive (was 0s)", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.backoff.initial-interval=0");
    }

    @Test
    void zeroHandlerThreads() {
        fails("pipc.servers.api.handler-threads must be at least 1 (was 0)", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=0", "pipc.servers.api.handler-threads=0");
    }

    @Test
    void nonLoopbackClientIsAllowed() {
        this.runner.withPropertyValues("pipc.pipes.link.transport=tcp", "pipc.pipes.link.mode=connect",
                "pipc.pipes.link.port=7001", "pipc.pipes.link.host=192.0.2.7", "pipc.pipes.link.connect-timeout=10ms",
                "pipc.pipes.link.reconnect=false")
                .run((context) -> assertThat(context).getFailure().cause()
                        .hasMessageContaining("pipe 'link' (pipc.pipes.link, tcp connect 192.0.2.7:7001) could not open")
                        .isNotInstanceOf(InvalidPipcPropertiesException.class));
    }

    @Test
    void unknownMode() {
        fails("pipc.pipes.link.mode must be one of rendezvous, connect (was 'listen')", "pipc.pipes.link.transport=tcp",
                "pipc.pipes.link.port=7001", "pipc.pipes.link.mode=listen");
    }

    @Test
    void unknownCodec() {
        fails("pipc.pipes.orders.codec must be one of bytes, string, json (was 'xml')",
                "pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.codec=xml");
    }

    @Test
    void jsonCodecWithoutJsonType() {
        fails("pipc.servers.api.json-type is required for codec json: the fully qualified name of the class messages"
                + " are read as", "pipc.servers.api.transport=unix", "pipc.servers.api.codec=json");
    }

    @Test
    void jsonTypeThatDoesNotExist() {
        fails("pipc.pipes.orders.json-type must name a class on the classpath (was 'com.example.Nope')",
                "pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.codec=json",
                "pipc.pipes.orders.json-type=com.example.Nope");
    }

    @Test
    void jsonTypeWithoutJsonCodec() {
        fails("pipc.pipes.orders.json-type applies only to codec json (codec is 'bytes')",
                "pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.json-type=java.lang.String");
    }

    @Test
    void jsonCodecWithoutJackson() {
        this.runner.withClassLoader(new FilteredClassLoader("tools.jackson"))
                .withPropertyValues("pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.codec=json",
                        "pipc.pipes.orders.json-type=java.lang.String")
                .run((context) -> assertThat(invalidProperties(context.getStartupFailure())).hasMessage(
                        "pipc.pipes.orders.codec json needs Jackson 3 (tools.jackson.core:jackson-databind) on the"
                                + " classpath (was 'json')"));
    }

    @Test
    void unknownWire() {
        fails("pipc.pipes.orders.wire must be one of native, python (was 'morse')", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.wire=morse");
    }

    @Test
    void sslBundleThatDoesNotExist() {
        fails("pipc.servers.api.ssl-bundle must name an SSL bundle configured under spring.ssl.bundle (was 'nope')",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.ssl-bundle=nope");
    }

    @Test
    void sslBundleForATransportWithoutTls() {
        fails("pipc.servers.api.ssl-bundle does not apply to transport unix", "pipc.servers.api.transport=unix",
                "pipc.servers.api.ssl-bundle=server");
    }

    @Test
    void clientAuthWithoutSslBundle() {
        fails("pipc.servers.api.client-auth needs pipc.servers.api.ssl-bundle: client certificates are part of TLS",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.client-auth=true");
    }

    @Test
    void pathForATransportWithoutSocketFiles() {
        fails("pipc.pipes.orders.path does not apply to transport tcp", "pipc.pipes.orders.transport=tcp",
                "pipc.pipes.orders.port=7001", "pipc.pipes.orders.path=/tmp/orders.sock");
    }

    @Test
    void emptySecret() {
        fails("pipc.pipes.orders.secret must not be empty; leave it unset for no secret", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.secret=");
    }

    @Test
    void secretForAnInProcessPipe() {
        fails("pipc.pipes.orders.secret does not apply to transport in-process", "pipc.pipes.orders.transport=in-process",
                "pipc.pipes.orders.secret=s3cret");
    }

    @Test
    void maxMessageSizeTooLarge() {
        fails("pipc.pipes.orders.max-message-size must be between 1B and 2147483639B (was 4294967296B)",
                "pipc.pipes.orders.transport=fifo", "pipc.pipes.orders.max-message-size=4GB");
    }

    @Test
    void negativeWriteTimeout() {
        fails("pipc.pipes.orders.write-timeout must not be negative (was -1s)", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.write-timeout=-1s");
    }

    @Test
    void negativeReplySpin() {
        fails("pipc.pipes.orders.reply-spin must not be negative (was -10us)", "pipc.pipes.orders.transport=fifo",
                "pipc.pipes.orders.reply-spin=-10us");
    }

    @Test
    void zeroReplyTimeout() {
        fails("pipc.servers.api.reply-timeout must be positive (was 0s)", "pipc.servers.api.transport=unix",
                "pipc.servers.api.reply-timeout=0");
    }

    @Test
    void zeroQueueCapacity() {
        fails("pipc.servers.api.queue-capacity.messages must be at least 1 (was 0)", "pipc.servers.api.transport=unix",
                "pipc.servers.api.queue-capacity.messages=0");
    }

    @Test
    void zeroMaxConnections() {
        fails("pipc.servers.api.max-connections must be at least 1 (was 0)", "pipc.servers.api.transport=unix",
                "pipc.servers.api.max-connections=0");
    }

    @Test
    void zeroMaxHandshakingConnections() {
        fails("pipc.servers.api.max-handshaking-connections must be at least 1 (was 0)", "pipc.servers.api.transport=unix",
                "pipc.servers.api.max-handshaking-connections=0");
    }

    @Test
    void zeroMaxHandshakingConnectionsPerAddress() {
        fails("pipc.servers.api.max-handshaking-connections-per-address must be at least 1 (was 0)",
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0",
                "pipc.servers.api.max-handshaking-connections-per-address=0");
    }

    @Test
    void emptyMaxInboundBuffer() {
        fails("pipc.servers.api.max-inbound-buffer must be at least 1B (was 0B)", "pipc.servers.api.transport=tcp",
                "pipc.servers.api.port=0", "pipc.servers.api.max-inbound-buffer=0");
    }

    @Test
    void serverGatewayWithoutInboundChannel() {
        fails("pipc.servers.api.gateway needs pipc.servers.api.inbound-channel: the channel requests are sent to",
                "pipc.servers.api.transport=unix", "pipc.servers.api.gateway=true");
    }

    @Test
    void pipeGatewayWithoutChannels() {
        fails("pipc.pipes.rpc.gateway needs pipc.pipes.rpc.inbound-channel (requests from the peer) or"
                + " pipc.pipes.rpc.outbound-channel (requests to the peer)", "pipc.pipes.rpc.transport=fifo",
                "pipc.pipes.rpc.gateway=true");
    }

    @Test
    void pipeGatewayOnThePythonWire() {
        fails("pipc.pipes.rpc.gateway needs the native wire: the python wire carries no correlation ids (was wire 'python')",
                "pipc.pipes.rpc.transport=fifo", "pipc.pipes.rpc.gateway=true", "pipc.pipes.rpc.wire=python",
                "pipc.pipes.rpc.outbound-channel=out");
    }

    @Test
    void sameChannelInAndOut() {
        fails("pipc.pipes.echo.outbound-channel must differ from pipc.pipes.echo.inbound-channel, or every message read"
                + " would be written back (was 'loop')", "pipc.pipes.echo.transport=fifo",
                "pipc.pipes.echo.inbound-channel=loop", "pipc.pipes.echo.outbound-channel=loop");
    }

    @Test
    void threeInProcessPipesWithOneName() {
        fails("pipc.pipes.c.name 'link' is already taken by in-process pipes a and b: an in-process pair has two ends",
                "pipc.pipes.a.transport=in-process", "pipc.pipes.a.name=link", "pipc.pipes.b.transport=in-process",
                "pipc.pipes.b.name=link", "pipc.pipes.c.transport=in-process", "pipc.pipes.c.name=link");
    }

    @Test
    void everyProblemIsReportedInOneMessage() {
        this.runner.withPropertyValues("pipc.pipes.a.transport=pigeon", "pipc.servers.b.transport=tcp")
                .run((context) -> {
                    InvalidPipcPropertiesException failure = invalidProperties(context.getStartupFailure());
                    assertThat(failure.problems()).containsExactly(
                            "pipc.pipes.a.transport must be one of in-process, fifo, unix, tcp (was 'pigeon')",
                            "pipc.servers.b.port is required for transport tcp (0 picks a free port)");
                    assertThat(failure).hasMessageStartingWith("2 problems in the pipc configuration: ");
                });
    }

    @Test
    void failureAnalysisListsEachProblemAndWhatToDo() {
        InvalidPipcPropertiesException failure = new InvalidPipcPropertiesException(
                List.of("pipc.pipes.a.port must be between 1 and 65535 (was 0)"));

        FailureAnalysis analysis = new InvalidPipcPropertiesFailureAnalyzer()
                .analyze(new IllegalStateException("wrapped", failure));

        assertThat(analysis.getDescription()).contains("\n    pipc.pipes.a.port must be between 1 and 65535 (was 0)");
        assertThat(analysis.getAction()).contains("pipc.*");
    }

    /** @return these properties and those of the SSL bundle "server": a key and a trust store of PKCS12 files */
    private static String[] withServerBundle(String... properties) {
        List<String> all = new ArrayList<>(List.of(properties));
        all.addAll(List.of(certificates.bundle("server", "server.p12", "trusts-client.p12")));
        return all.toArray(String[]::new);
    }

    private static String[] supportedProtocols() {
        try {
            return SSLContext.getDefault().getSupportedSSLParameters().getProtocols();
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private void fails(String message, String... properties) {
        this.runner.withPropertyValues(properties).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(invalidProperties(context.getStartupFailure())).hasMessage(message);
        });
    }

    /** The failure itself when the properties were refused while bean definitions were read, else its cause. */
    private static InvalidPipcPropertiesException invalidProperties(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidPipcPropertiesException invalid) {
                return invalid;
            }
        }
        throw new AssertionError("not refused for its properties", failure);
    }
}
