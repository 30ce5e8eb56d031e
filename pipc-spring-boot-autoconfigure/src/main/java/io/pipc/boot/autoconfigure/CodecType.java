package io.pipc.boot.autoconfigure;

/**
 * The payload codecs a pipe or server entry can name in {@code codec}.
 */
enum CodecType {

    /** Payloads are the message bytes, {@code byte[]}. */
    BYTES("bytes"),

    /** Payloads are strict UTF-8 text, {@code String}. */
    STRING("string"),

    /** Payloads are read as objects of {@code json-type}; any object is written as JSON. */
    JSON("json");

    private final String propertyValue;

    CodecType(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    String propertyValue() {
        return this.propertyValue;
    }
}
