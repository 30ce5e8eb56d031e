package io.pipc.transport.fifo;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The numbered messages two processes send each other: each one's number, sender and length
 * are recomputable, so the receiver checks order and content byte for byte.
 */
final class Traffic {

    private Traffic() {
    }

    /**
     * @param sender who sends it, e.g. {@code "parent"}
     * @param number its place in the sender's stream
     * @return the message: 8 to 2007 bytes, a large one every seventh
     */
    static byte[] message(String sender, int number) {
        int length = 8 + (number % 7 == 0 ? 2000 : number % 200);
        byte[] message = new byte[length];
        int seed = sender.hashCode();
        ByteBuffer.wrap(message).putInt(number).putInt(seed);
        for (int i = 8; i < length; i++) {
            message[i] = (byte) (number * 31 + i + seed);
        }
        return message;
    }

    /**
     * @throws AssertionError when the message is not the one expected at that place
     */
    static void check(String sender, int number, byte[] received) {
        byte[] expected = message(sender, number);
        if (!Arrays.equals(received, expected)) {
            int got = received.length >= 4 ? ByteBuffer.wrap(received).getInt() : -1;
            throw new AssertionError("message " + number + " from " + sender + " differs: got " + received.length
                    + " bytes numbered " + got + ", expected " + expected.length + " bytes");
        }
    }
}
