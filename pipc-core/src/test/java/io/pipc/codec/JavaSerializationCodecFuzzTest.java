package io.pipc.codec;

import static io.pipc.codec.SerializationFixtures.serialize;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.pipc.Codec;
import io.pipc.CodecException;
import io.pipc.codec.SerializationFixtures.HashCodeTripwire;
import io.pipc.codec.SerializationFixtures.Line;
import io.pipc.codec.SerializationFixtures.Order;
import io.pipc.codec.SerializationFixtures.ReadObjectTripwire;
import io.pipc.codec.SerializationFixtures.Status;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.Timeout;

/**
 * The Java serialization codec with the allow-list of an {@link Order} and the default limits,
 * decoding any bytes. The input is the message itself. It must come back as an {@code Order} or
 * be refused with a {@link CodecException}; no code of a class off the list runs (the tripwires
 * count it), and no list holds more elements than the message has bytes. When fuzzing, Jazzer's
 * deserialization detector also reports any class it smuggles in that gets created.
 *
 * <p>{@code mvn verify} runs it over the seeds in {@code JavaSerializationCodecFuzzTestInputs};
 * docs/reliability.md ("Fuzzing") says how to fuzz it.
 */
@Timeout(10)
class JavaSerializationCodecFuzzTest {

    private static final Codec<Order> CODEC = Codecs.javaSerialization(Order.class, SerializationFixtures.ORDER_CLASSES);

    @FuzzTest
    void decodesAnyMessageToAnOrderOrRefusesIt(byte[] message) {
        int reads = ReadObjectTripwire.READS.get();
        int hashes = HashCodeTripwire.HASHES.get();
        Order order;
        try {
            order = CODEC.decode(message);
        } catch (CodecException refused) {
            order = null;
        }
        assertThat(ReadObjectTripwire.READS.get()).as("readObject of a class off the list ran").isEqualTo(reads);
        assertThat(HashCodeTripwire.HASHES.get()).as("hashCode of a class off the list ran").isEqualTo(hashes);
        if (order != null) {
            assertThat(order).isInstanceOf(Order.class);
            if (order.lines() != null) {
                assertThat(order.lines().size()).isLessThanOrEqualTo(message.length);
            }
            if (order.counts() != null) {
                assertThat(order.counts().size()).isLessThanOrEqualTo(message.length);
            }
        }
    }

    /** @return the committed seeds, by file name */
    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        counts.put("boxes", 2);
        counts.put("pallets", 1);
        Line shared = new Line("sku-1", 1999);
        byte[] order = serialize(new Order("A-1", Status.SHIPPED, new ArrayList<>(List.of(shared, new Line("sku-\uD83D\uDE00", 5), shared)),
                counts));
        seeds.put("order", order);
        seeds.put("order-of-nulls", serialize(new Order(null, null, null, null)));
        seeds.put("line-where-an-order-belongs", serialize(new Line("sku", 1)));
        seeds.put("a-string", serialize("A-1"));
        seeds.put("order-then-garbage", concat(order, new byte[] {0x70, 0x71, 0x00}));
        seeds.put("order-truncated", Arrays.copyOf(order, order.length / 2));
        seeds.put("tripwire-in-the-lines", serialize(orderWithLines(new ReadObjectTripwire())));
        Map<Object, Integer> tripwireKey = new HashMap<>();
        tripwireKey.put(new HashCodeTripwire(), 1);
        seeds.put("tripwire-as-a-count-key", serialize(orderWithCounts(tripwireKey)));
        seeds.put("int-array-of-length-2147483647-in-the-lines", intArrayLengthPatched(serialize(orderWithLines(new int[] {7, 7, 7, 7})),
                Integer.MAX_VALUE));
        List<Object> itself = new ArrayList<>();
        Map<Object, Integer> selfKey = new HashMap<>();
        selfKey.put(itself, 1);
        itself.add(itself);
        seeds.put("list-containing-itself-as-a-count-key", serialize(orderWithCounts(selfKey)));
        List<Object> nested = new ArrayList<>();
        for (int depth = 0; depth < 40; depth++) {
            List<Object> outer = new ArrayList<>();
            outer.add(nested);
            nested = outer;
        }
        seeds.put("lists-nested-40-deep", serialize(orderWithLines(nested)));
        return seeds;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Order orderWithLines(Object element) {
        List lines = new ArrayList<>();
        lines.add(element);
        return new Order("A-1", Status.NEW, lines, new HashMap<>());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Order orderWithCounts(Map counts) {
        return new Order("A-1", Status.NEW, new ArrayList<>(), counts);
    }

    /** @return the stream with the length of its {@code int[]} (class descriptor {@code [I}) replaced */
    private static byte[] intArrayLengthPatched(byte[] stream, int length) {
        String text = new String(stream, java.nio.charset.StandardCharsets.ISO_8859_1);
        int descriptor = text.indexOf("[I");
        // After the class name: serialVersionUID (8), flags (1), field count (2), TC_ENDBLOCKDATA, TC_NULL; then the length.
        int at = descriptor + 2 + 8 + 1 + 2 + 1 + 1;
        byte[] patched = stream.clone();
        ByteBuffer.wrap(patched, at, 4).putInt(length);
        return patched;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
