package io.pipc.wire;

import java.security.GeneralSecurityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC over the concatenation of several parts, with an algorithm every JDK provides.
 */
final class Hmac {

    private Hmac() {
    }

    /**
     * @param algorithm a JCA MAC name such as {@code HmacSHA256}
     * @param key the shared secret, not empty
     * @param parts the message, in pieces
     * @return the MAC of the parts, concatenated
     */
    static byte[] compute(String algorithm, byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, algorithm));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            // Every algorithm used here is one the Java SE platform must (or the JDK does) provide.
            throw new IllegalStateException("this JVM lacks " + algorithm, e);
        }
    }
}
