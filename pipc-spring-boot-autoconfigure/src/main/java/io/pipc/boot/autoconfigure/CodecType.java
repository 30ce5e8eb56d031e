package io.pipc.boot.autoconfigure;

/**
 * The payload codecs a pipe or server entry can name in {@code codec}.
 */
public enum CodecType {

    /** Payloads are the message bytes, {@code byte[]}. */
    BYTES,

    /** Payloads are strict UTF-8 text, {@code String}. */
    STRING,

    /** Payloads are read as objects of {@code json-type}; any object is written as JSON. */
    JSON
}
