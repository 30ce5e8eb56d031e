package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pipc.Codec;
import io.pipc.CodecException;

import org.junit.jupiter.api.Test;

class BytesCodecTest {

    private final Codec<byte[]> codec = Codecs.bytes();

    @Test
    void bytesRoundTripAsTheSameArray() {
        byte[] message = {0, 1, (byte) 0xff, 42};

        byte[] encoded = codec.encode(message);

        assertThat(encoded).isSameAs(message);
        assertThat(codec.decode(encoded)).isSameAs(message).containsExactly(0, 1, 0xff, 42);
    }

    @Test
    void emptyMessageRoundTrips() {
        assertThat(codec.decode(codec.encode(new byte[0]))).isEmpty();
    }

    @Test
    void encodingNullIsRefused() {
        assertThatThrownBy(() -> codec.encode(null))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("null");
    }

    @Test
    void toStringNamesTheCodec() {
        assertThat(codec).hasToString("bytes");
    }
}
