package io.pipc.codec;

import io.pipc.Codec;

/**
 * Messages are the values: no copy, since a pipe already copies what it keeps on write and
 * hands the reader an array of its own.
 */
final class BytesCodec implements Codec<byte[]> {

    static final BytesCodec INSTANCE = new BytesCodec();

    private BytesCodec() {
    }

    @Override
    public byte[] encode(byte[] value) {
        return Values.requireValue(value);
    }

    @Override
    public byte[] decode(byte[] message) {
        return message;
    }

    @Override
    public String toString() {
        return "bytes";
    }
}
