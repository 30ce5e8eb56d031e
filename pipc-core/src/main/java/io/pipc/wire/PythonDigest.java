package io.pipc.wire;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * The HMAC digests CPython's {@code multiprocessing.connection} accepts in a {@code {name}}
 * prefix (its {@code _ALLOWED_DIGESTS}), with their JCA names.
 */
enum PythonDigest {
    MD5("md5", "HmacMD5", 16),
    SHA256("sha256", "HmacSHA256", 32),
    SHA384("sha384", "HmacSHA384", 48),
    SHA3_256("sha3_256", "HmacSHA3-256", 32),
    SHA3_384("sha3_384", "HmacSHA3-384", 48);

    /** The longest name, which bounds the search for the closing brace, as CPython does. */
    private static final int MAX_NAME_LENGTH = 8;

    private final String pythonName;
    private final String algorithm;
    private final int length;

    PythonDigest(String pythonName, String algorithm, int length) {
        this.pythonName = pythonName;
        this.algorithm = algorithm;
        this.length = length;
    }

    /**
     * @return the prefix naming this digest, such as {@code {sha256}}
     */
    byte[] prefix() {
        return ("{" + pythonName + "}").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param key the authkey
     * @param message the bytes to authenticate
     * @return the HMAC of the message with this digest
     */
    byte[] mac(byte[] key, byte[] message) {
        return Hmac.compute(algorithm, key, message);
    }

    /**
     * @return bytes in a MAC of this digest
     */
    int length() {
        return length;
    }

    /**
     * @param message bytes that may start with a {@code {name}} prefix
     * @return the allowed digest the prefix names, or null when there is none
     */
    static @Nullable PythonDigest ofPrefix(byte[] message) {
        if (message.length == 0 || message[0] != '{') {
            return null;
        }
        for (int close = 1; close < Math.min(message.length, MAX_NAME_LENGTH + 2); close++) {
            if (message[close] == '}') {
                String name = new String(message, 1, close - 1, StandardCharsets.US_ASCII);
                for (PythonDigest digest : values()) {
                    if (digest.pythonName.equals(name)) {
                        return digest;
                    }
                }
                return null;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return pythonName;
    }
}
