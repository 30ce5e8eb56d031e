package io.pipc.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.pipc.AuthenticationException;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipeServer;
import io.pipc.PipeTimeoutException;
import io.pipc.Pipes;
import io.pipc.ProtocolException;
import io.pipc.Wire;
import io.pipc.testing.LogCapture;
import io.pipc.transport.FramedPipe;
import io.pipc.transport.socket.SocketServer;
import io.pipc.testing.CloseAll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ch.qos.logback.classic.Level;

/**
 * {@code wire = PYTHON} against this machine's CPython: its standard
 * {@code multiprocessing.connection} {@code Client} talking to a pipc server, and a pipc client
 * talking to its {@code Listener}, with and without an authkey. The Python side is the scripts
 * in {@code src/test/resources/python}.
 */
@Timeout(60)
class TcpPythonWireTest {

    /** Over 1 MiB, so that CPython and pipc both read a long message in many pieces. */
    private static final int LARGE = 1_572_864 + 7;

    private static String python;
    private static Path scripts;

    @TempDir
    Path logs;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void findPython() throws URISyntaxException {
        python = onPath("python3");
        assertThat(python).as("python3 is required by the Python wire tests (CI has it): install python3 and put it"
                + " on the PATH; these tests are never skipped").isNotNull();
        scripts = Path.of(TcpPythonWireTest.class.getResource("/python/python_client.py").toURI()).getParent();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            CloseAll.of(toClose);
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            threads.shutdownNow();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static PipeOptions python(String authkey) {
        PipeOptions.Builder options = PipeOptions.builder().wire(Wire.PYTHON).connectTimeout(Duration.ofSeconds(20));
        return authkey == null ? options.build() : options.secret(authkey).build();
    }

    private Process start(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, scripts.resolve(script).toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(scripts.toFile())
                .redirectError(logs.resolve("python-" + processes.size() + ".err").toFile()).start();
        processes.add(process);
        return process;
    }

    private PipeServer server(PipeOptions options) {
        PipeServer server = Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options);
        toClose.add(server);
        return server;
    }

    /** Runs the commands of {@code peer_commands.py} against a Python peer, both ways. */
    private static void converse(Pipe pipe, Process process) throws Exception {
        assertThat(pipe.readString(Duration.ofSeconds(20))).isEqualTo("hello from python");

        pipe.write("echo:hello, python");
        assertThat(pipe.readString(Duration.ofSeconds(10))).isEqualTo("nohtyp ,olleh");

        byte[] large = new byte[LARGE];
        new Random(42).nextBytes(large);
        byte[] command = new byte[5 + large.length];
        System.arraycopy("echo:".getBytes(StandardCharsets.US_ASCII), 0, command, 0, 5);
        System.arraycopy(large, 0, command, 5, large.length);
        pipe.write(command);
        assertThat(pipe.read(Duration.ofSeconds(20))).isEqualTo(reversed(large));

        pipe.write("big:" + LARGE);
        byte[] pattern = pipe.read(Duration.ofSeconds(20));
        assertThat(pattern).hasSize(LARGE);
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i] != (byte) i) {
                throw new AssertionError("byte " + i + " of Python's large message is " + pattern[i]);
            }
        }

        pipe.write("bye");
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "python authkey"})
    void aPythonClientTalksToAPipcServer(String authkey) throws Exception {
        PipeServer server = server(python(authkey.equals("-") ? null : authkey));
        Process client = start("python_client.py", "127.0.0.1", port(server), authkey);

        Pipe pipe = server.accept(Duration.ofSeconds(20));
        toClose.add(pipe);

        converse(pipe, client);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "python authkey"})
    void aPipcClientTalksToAPythonListener(String authkey) throws Exception {
        Process listener = start("python_listener.py", authkey);
        int port = Integer.parseInt(firstLine(listener));

        Pipe pipe = Pipes.connect(new InetSocketAddress("127.0.0.1", port), python(authkey.equals("-") ? null : authkey));
        toClose.add(pipe);

        converse(pipe, listener);
    }

    @Test
    void aPythonClientWithTheWrongAuthkeyIsRefusedAndNothingIsDelivered() throws Exception {
        SocketServer server = (SocketServer) server(python("right"));
        Process client = start("python_client.py", "127.0.0.1", port(server), "wrong");

        assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).as("the Python client's exit code (3: AuthenticationError)").isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.authenticationFailures() == 1);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
    }

    @Test
    void aPythonClientWithoutAnAuthkeyIsRefusedByAServerWithASecret() throws Exception {
        SocketServer server = (SocketServer) server(python("right"));
        Process client = start("python_client.py", "127.0.0.1", port(server), "-");

        await().atMost(Duration.ofSeconds(20)).until(() -> server.authenticationFailures() == 1);
        assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
        assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aPipcClientWithTheWrongAuthkeyIsRefusedByAPythonListener() throws Exception {
        Process listener = start("python_listener.py", "right");
        int port = Integer.parseInt(firstLine(listener));

        assertThatThrownBy(() -> Pipes.connect(new InetSocketAddress("127.0.0.1", port), python("wrong")))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("authkey");
        assertThat(listener.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(listener.exitValue()).isEqualTo(3);
    }

    @Test
    void aPipcClientWithoutAnAuthkeyIsToldThePythonListenerWantsOne() throws Exception {
        Process listener = start("python_listener.py", "right");
        int port = Integer.parseInt(firstLine(listener));
        Pipe pipe = Pipes.connect(new InetSocketAddress("127.0.0.1", port), python(null));
        toClose.add(pipe);

        // Without a secret the Python wire has no handshake: the challenge arrives as the first message.
        assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(20))).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("PipeOptions.secret");
        assertThat(listener.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(listener.exitValue()).isEqualTo(3);
    }

    @Test
    void aPipcClientWithAnAuthkeyIsRefusedByAPythonListenerWithout() throws Exception {
        Process listener = start("python_listener.py", "-");
        int port = Integer.parseInt(firstLine(listener));

        assertThatThrownBy(() -> Pipes.connect(new InetSocketAddress("127.0.0.1", port), python("right")))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("no authkey");
    }

    /**
     * CPython's Client with an authkey waits for a challenge before it sends anything, and a
     * server without a secret sends none: without a deadline both would wait forever (CPython's
     * own Listener does, CPython issue 123736). The server closes the connection after its
     * handshake timeout, saying the likely cause, and the client fails rather than hangs.
     */
    @Test
    void aPythonClientWithAnAuthkeyIsClosedByAServerWithoutASecretSayingWhy() throws Exception {
        PipeServer server = server(python(null).toBuilder().handshakeTimeout(Duration.ofSeconds(2)).build());
        try (LogCapture log = LogCapture.of(FramedPipe.class)) {
            Process client = start("python_client.py", "127.0.0.1", port(server), "python authkey");
            Pipe pipe = server.accept(Duration.ofSeconds(20));
            toClose.add(pipe);

            assertThatThrownBy(() -> pipe.read(Duration.ofSeconds(20))).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("sent nothing within PT2S")
                    .hasMessageContaining("a multiprocessing.connection Client with an authkey")
                    .hasMessageContaining("Set the same secret on both ends");
            assertThat(log.lines(Level.WARN)).singleElement().asString()
                    .contains("waits for an authentication challenge that never comes");
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).as("the Python client gave up").isTrue();
            assertThat(client.exitValue()).as("the Python client's exit code (3: the server left during"
                    + " authentication)").isEqualTo(3);
        }
    }

    /** The watch ends when this end speaks first: a client that only reads is not closed. */
    @Test
    void aPythonClientThatOnlyReadsIsNotClosedOnceTheServerHasWritten() throws Exception {
        PipeServer server = server(python(null).toBuilder().handshakeTimeout(Duration.ofSeconds(1)).build());
        Process client = start("python_reader.py", "client", "127.0.0.1", port(server), "-");
        Pipe pipe = server.accept(Duration.ofSeconds(20));
        toClose.add(pipe);

        pipe.write("first");
        assertThat(firstLine(client, "got")).isEqualTo("got 5 bytes");

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(pipe::isOpen);
        pipe.write("second");
        pipe.close();
        assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(client.exitValue()).isZero();
    }

    /**
     * The reverse: the secret on the pipc server only, and a Python client without an authkey
     * that waits to be sent something: it gets the challenge as a message, and stays silent; the
     * server refuses it at its handshake timeout, saying the likely cause.
     */
    @Test
    void aPythonClientWithoutAnAuthkeyThatWaitsIsRefusedAtTheHandshakeTimeoutSayingWhy() throws Exception {
        SocketServer server = (SocketServer) server(python("right").toBuilder()
                .handshakeTimeout(Duration.ofSeconds(2)).build());
        try (LogCapture log = LogCapture.of(SocketServer.class)) {
            Process client = start("python_reader.py", "client", "127.0.0.1", port(server), "-");

            await().atMost(Duration.ofSeconds(20)).until(() -> !log.lines(Level.INFO).isEmpty());
            assertThat(server.refusedConnections()).isEqualTo(1);
            assertThat(log.lines(Level.INFO)).singleElement().asString()
                    .contains("did not complete the handshake in time")
                    .contains("it stopped before answering this end's authentication challenge; it may have no authkey");
            assertThatThrownBy(() -> server.accept(Duration.ofMillis(100))).isInstanceOf(PipeTimeoutException.class);
            assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * The reverse with pipc as the client: a secret here, a Listener without an authkey that
     * waits to be sent something. The connect fails at its connect timeout, saying the likely
     * cause.
     */
    @Test
    void aPipcClientWithAnAuthkeyFailsAtItsConnectTimeoutAgainstAQuietListenerWithout() throws Exception {
        Process listener = start("python_reader.py", "listener", "-");
        int port = Integer.parseInt(firstLine(listener));

        assertThatThrownBy(() -> Pipes.connect(new InetSocketAddress("127.0.0.1", port),
                python("right").toBuilder().connectTimeout(Duration.ofSeconds(2)).build()))
                .isInstanceOf(PipeTimeoutException.class)
                .hasMessageContaining("it stopped before sending its authentication challenge; it may have no authkey");
        assertThat(listener.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    /** @return the next line the process prints that starts with {@code prefix} */
    private String firstLine(Process process, String prefix) throws Exception {
        Future<String> line = threads.submit(() -> {
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            for (String next = reader.readLine(); next != null; next = reader.readLine()) {
                if (next.startsWith(prefix)) {
                    return next;
                }
            }
            return null;
        });
        return line.get(20, TimeUnit.SECONDS);
    }

    private String firstLine(Process process) throws Exception {
        Future<String> line = threads.submit(() -> new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)).readLine());
        String port = line.get(20, TimeUnit.SECONDS);
        assertThat(port).as("the port the Python listener printed").isNotNull().containsOnlyDigits();
        return port;
    }

    private static String port(PipeServer server) {
        return String.valueOf(((InetSocketAddress) server.address()).getPort());
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] result = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            result[i] = bytes[bytes.length - 1 - i];
        }
        return result;
    }

    private static String onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String directory : path.split(File.pathSeparator)) {
            Path candidate = Path.of(directory, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
