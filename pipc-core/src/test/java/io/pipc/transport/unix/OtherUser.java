package io.pipc.transport.unix;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.pipc.posix.Posix;

import org.jspecify.annotations.Nullable;

/**
 * A process of another user (uid 65534, usually {@code nobody}) at the other end of a Unix
 * socket: Python's standard library, started through {@code setpriv}. Only root can switch users;
 * where that, {@code setpriv} or a Python that uid 65534 may run is missing, the tests that need
 * it are skipped with the reason.
 *
 * @param python the interpreter that uid 65534 runs
 * @param name the user's name as this host knows it (the uid in digits when it has none)
 */
record OtherUser(String python, String name) {

    static final int UID = 65534;

    private static final List<String> PYTHONS = List.of("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The peer: {@code <role> <path> <mode> [name]}. A client or a server (which serves one
     * connection); {@code first-bytes} reports whether pipc sent anything before the other end
     * closed, {@code talk} completes a native preface (no secret), sends one DATA frame and
     * prints the first DATA frame it receives.
     */
    private static final String PEER = """
            import socket, struct, sys
            role, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            if role == "server":
                s.bind(path)
                s.listen(1)
                print("listening", flush=True)
                conn, _ = s.accept()
                conn.settimeout(20)
            else:
                try:
                    s.connect(path)
                except OSError as e:
                    print("connect-failed errno", e.errno, flush=True)
                    sys.exit(0)
                conn = s
            def exactly(n):
                data = b""
                while len(data) < n:
                    chunk = conn.recv(n - len(data))
                    if not chunk:
                        raise EOFError("the stream ended after %d of %d bytes" % (len(data), n))
                    data += chunk
                return data
            if mode == "first-bytes":
                first = conn.recv(65536)
                print("received %d bytes" % len(first) if first else "closed before any byte", flush=True)
            else:
                conn.sendall(b"PIPC\\x02\\x00\\x00\\x00")
                preface = exactly(8)
                assert preface[:5] == b"PIPC\\x02", preface
                hello = ("hello from " + sys.argv[4]).encode()
                conn.sendall(struct.pack(">IB", len(hello), 1) + hello)
                while True:
                    length, kind = struct.unpack(">IB", exactly(5))
                    body = exactly(length)
                    if kind == 1:
                        print("received " + body.decode(), flush=True)
                        break
            conn.close()
            """;

    private static @Nullable OtherUser found;
    private static @Nullable String missing;

    /**
     * @return the other user; skips the calling test, saying why, when there is none
     */
    static synchronized OtherUser require() {
        if (found == null && missing == null) {
            probe();
        }
        assumeTrue(found != null, () -> "cannot run a process as uid " + UID + " here: " + missing);
        return found;
    }

    private static void probe() {
        if (Posix.system().uid() != 0) {
            missing = "switching users needs root, and these tests run as uid " + Posix.system().uid();
            return;
        }
        List<String> failures = new ArrayList<>();
        for (String python : PYTHONS) {
            if (!new File(python).canExecute()) {
                continue;
            }
            String script = """
                    import os, pwd
                    try:
                        name = pwd.getpwuid(os.geteuid()).pw_name
                    except KeyError:
                        name = str(os.geteuid())
                    print(os.geteuid(), os.getegid(), name)
                    """;
            try (Peer probe = new Peer(command(python, "-c", script))) {
                String line = probe.nextLine(PROBE_TIMEOUT);
                String[] words = line.split(" ");
                if (words.length == 3 && words[0].equals(String.valueOf(UID)) && words[1].equals(String.valueOf(UID))) {
                    found = new OtherUser(python, words[2]);
                    return;
                }
                failures.add(python + " said '" + line + "'");
            } catch (IOException | AssertionError e) {
                failures.add(python + ": " + e.getMessage());
            }
        }
        missing = failures.isEmpty() ? "no python3 in " + PYTHONS : "setpriv failed: " + failures;
    }

    private static List<String> command(String python, String... arguments) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups",
                python, "-I"));
        command.addAll(List.of(arguments));
        return command;
    }

    /**
     * @param socket the socket file
     * @param mode {@code first-bytes} or {@code talk}
     * @return the client, started
     * @throws IOException when it cannot start
     */
    Peer client(Path socket, String mode) throws IOException {
        return new Peer(command(python, "-c", PEER, "client", socket.toString(), mode, name));
    }

    /**
     * @param socket the socket file to bind; its directory must be writable by this user
     * @param mode {@code first-bytes} or {@code talk}
     * @return the server, started; it prints {@code listening} once it listens
     * @throws IOException when it cannot start
     */
    Peer server(Path socket, String mode) throws IOException {
        return new Peer(command(python, "-c", PEER, "server", socket.toString(), mode, name));
    }

    /** A running peer process, whose output is read line by line; closing it kills it if it still runs. */
    static final class Peer implements AutoCloseable {

        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Peer(List<String> command) throws IOException {
            process = new ProcessBuilder(command).directory(new File("/")).redirectErrorStream(true).start();
            Thread reader = new Thread(this::readLines, "other-user-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLines() {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(output failed: " + e.getMessage() + ")");
            }
        }

        /**
         * @param timeout how long to wait for it
         * @return the next line the peer printed
         * @throws AssertionError when none came in time
         */
        String nextLine(Duration timeout) {
            try {
                String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (line == null) {
                    throw new AssertionError("the peer printed nothing within " + timeout + " (alive: " + process.isAlive() + ")");
                }
                return line;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("the peer process did not end");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
