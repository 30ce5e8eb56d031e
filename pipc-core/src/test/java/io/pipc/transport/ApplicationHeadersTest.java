package io.pipc.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pipc.Envelope;
import io.pipc.Pipe;
import io.pipc.PipeOptions;
import io.pipc.PipePair;
import io.pipc.PipeServer;
import io.pipc.Pipes;
import io.pipc.Wire;
import io.pipc.testing.CloseAll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Application headers cross every transport of the native wire, and the Python wire leaves them out. */
@Timeout(30)
class ApplicationHeadersTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** As many headers as a message may carry, at the limits of name and size, in an order that is not sorted. */
    private static final Map<String, String> HEADERS = headers();

    enum Link { IN_PROCESS, FIFO, UNIX, TCP }

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        CloseAll.of(toClose);
    }

    @ParameterizedTest
    @EnumSource(Link.class)
    void headersCrossInBothDirectionsWithTheirOrderAndNothingElse(Link link) throws Exception {
        Pipe[] ends = connect(link, PipeOptions.builder().directory(dir).connectTimeout(WAIT).build());
        Envelope request = new Envelope("q".getBytes(StandardCharsets.UTF_8), "17", "application/json", HEADERS);

        ends[0].write(request);
        Envelope received = ends[1].readEnvelope(WAIT);
        ends[1].write(received.withCorrelationId("18"));
        Envelope reply = ends[0].readEnvelope(WAIT);

        assertThat(received).isEqualTo(request);
        assertThat(received.headers().keySet()).containsExactlyElementsOf(HEADERS.keySet());
        assertThat(reply.headers()).isEqualTo(HEADERS);
        assertThat(reply.correlationId()).isEqualTo("18");
    }

    @Test
    void aMessageWithOnlyApplicationHeadersKeepsThemAndNoOtherHeader() throws Exception {
        Pipe[] ends = connect(Link.TCP, PipeOptions.defaults());
        ends[0].write(Envelope.of(new byte[0]).withHeaders(Map.of("traceparent", TRACEPARENT)));

        Envelope received = ends[1].readEnvelope(WAIT);

        assertThat(received).isEqualTo(new Envelope(new byte[0], null, null, Map.of("traceparent", TRACEPARENT)));
    }

    @Test
    void thePythonWireCarriesThePayloadWithoutHeaders() throws Exception {
        Pipe[] ends = connect(Link.TCP, PipeOptions.builder().wire(Wire.PYTHON).build());
        ends[0].write(new Envelope("p".getBytes(StandardCharsets.UTF_8), "1", "text/plain", HEADERS));

        assertThat(ends[1].readEnvelope(WAIT)).isEqualTo(Envelope.of("p".getBytes(StandardCharsets.UTF_8)));
    }

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("traceparent", TRACEPARENT);
        headers.put("tracestate", "congo=t61rcWkgMzE");
        headers.put("X-Tenant", "über ✓");
        headers.put("e", "");
        headers.put("n".repeat(Envelope.MAX_HEADER_NAME_LENGTH), "v");
        headers.put("longest", "x".repeat(Envelope.MAX_APPLICATION_HEADER_BYTES - "longest".length()));
        for (int i = headers.size(); i < Envelope.MAX_APPLICATION_HEADERS; i++) {
            headers.put("h-" + (Envelope.MAX_APPLICATION_HEADERS - i), "!#$%&'*+-.^_`|~" + i);
        }
        return headers;
    }

    private Pipe[] connect(Link link, PipeOptions options) throws Exception {
        Pipe[] ends = switch (link) {
            case IN_PROCESS -> {
                PipePair pair = Pipes.pair(options);
                yield new Pipe[] {pair.left(), pair.right()};
            }
            case FIFO -> {
                CompletableFuture<Pipe> other = CompletableFuture.supplyAsync(() -> Pipes.named("headers", options));
                Pipe one = Pipes.named("headers", options);
                yield new Pipe[] {one, other.get(10, TimeUnit.SECONDS)};
            }
            case UNIX -> serve(Pipes.server(UnixDomainSocketAddress.of(dir.resolve("h.sock")), options), options);
            case TCP -> serve(Pipes.server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), options), options);
        };
        toClose.addAll(List.of(ends));
        return ends;
    }

    private Pipe[] serve(PipeServer server, PipeOptions options) throws Exception {
        toClose.add(server);
        CompletableFuture<Pipe> accepted = CompletableFuture.supplyAsync(() -> server.accept(WAIT));
        Pipe client = Pipes.connect(server.address(), options);
        return new Pipe[] {client, accepted.get(10, TimeUnit.SECONDS)};
    }
}
