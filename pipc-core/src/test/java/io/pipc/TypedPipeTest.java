package io.pipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import io.pipc.codec.Codecs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Codec failures through a real pipe: named after the pipe, and the pipe stays usable. */
@Timeout(30)
class TypedPipeTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    record Order(String id, int quantity) implements Serializable {
    }

    /** Serializable in name only: its field is not. */
    record Parcel(Object content) implements Serializable {
    }

    private final PipePair pair = Pipes.pair(PipeOptions.builder().name("orders").build());

    @AfterEach
    void closePipes() {
        pair.close();
    }

    @Test
    void decodeFailureNamesThePipeAndCodecAndTheNextReadReturnsTheNextMessage() {
        TypedPipe<Order> orders = pair.right().typed(Codecs.json(Order.class));
        String wrongType = "{\"id\": \"A-1\", \"quantity\": \"many\"}";
        pair.left().write(wrongType);
        pair.left().write("{\"id\": \"A-2\", \"quantity\": 2}");

        assertThatThrownBy(() -> orders.read(WAIT))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("pipe 'orders.right': codec json(" + Order.class.getName()
                        + ") could not decode a message of " + wrongType.length() + " bytes: not a JSON")
                .hasCauseInstanceOf(CodecException.class);
        assertThat(orders.read(WAIT)).isEqualTo(new Order("A-2", 2));
        assertThat(pair.right().isOpen()).isTrue();
    }

    @Test
    void invalidUtf8OnAStringPipeIsReportedAndSkipped() {
        TypedPipe<String> lines = pair.right().typed(Codecs.string());
        pair.left().write(new byte[] {'a', (byte) 0xFF});
        pair.left().write("next");

        assertThatThrownBy(lines::read)
                .isInstanceOf(CodecException.class)
                .hasMessage("pipe 'orders.right': codec string(UTF-8) could not decode a message of 2 bytes:"
                        + " not valid UTF-8: malformed sequence of 1 byte at offset 1 of 2");
        assertThat(lines.read(WAIT)).isEqualTo("next");
    }

    @Test
    void refusedClassIsReportedAndThePipeStaysUsable() {
        TypedPipe<Object> typed = pair.right().typed(Codecs.javaSerialization(Set.of(Order.class.getName())));
        pair.left().typed(Codecs.javaSerialization(Set.of(Parcel.class.getName()))).write(new Parcel("text"));
        pair.left().typed(Codecs.javaSerialization(Set.of(Order.class.getName()))).write(new Order("A-3", 3));

        assertThatThrownBy(() -> typed.read(WAIT))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("pipe 'orders.right': codec javaSerialization[1 class]")
                .hasMessageContaining("class " + Parcel.class.getName() + " is not on the allow-list");
        assertThat(typed.read(WAIT)).isEqualTo(new Order("A-3", 3));
    }

    @Test
    void encodeFailureWritesNothing() {
        TypedPipe<Object> typed = pair.left().typed(Codecs.javaSerialization(Set.of(Parcel.class.getName())));

        assertThatThrownBy(() -> typed.write(new Parcel(new Object())))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("pipe 'orders.left': codec javaSerialization[1 class] could not encode a value of "
                        + Parcel.class.getName())
                .hasMessageContaining("java.lang.Object does not implement java.io.Serializable");
        assertThat(pair.right().size()).isZero();

        typed.write(new Parcel("fine"));
        assertThat(pair.right().size()).isEqualTo(1);
    }

    @Test
    void encodingNullWritesNothing() {
        TypedPipe<String> lines = pair.left().typed(Codecs.string());

        assertThatThrownBy(() -> lines.write(null))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("pipe 'orders.left': codec string(UTF-8) could not encode a value of null");
        assertThat(pair.right().size()).isZero();
    }

    @Test
    void pendingReturnsTheGoodValuesAndTheNextCallReportsTheBadOne() {
        TypedPipe<String> lines = pair.right().typed(Codecs.string());
        pair.left().write("one");
        pair.left().write(new byte[] {(byte) 0xC3});
        pair.left().write("three");
        assertThat(pair.right().size()).isEqualTo(3);

        assertThat(lines.pending()).containsExactly("one", "three");
        assertThatThrownBy(lines::pending)
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("pipe 'orders.right'");
        pair.left().write("four".getBytes(StandardCharsets.UTF_8));
        assertThat(lines.read(WAIT)).isEqualTo("four");
    }
}
