package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.pipc.Codec;
import io.pipc.CodecException;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.Timeout;

/**
 * The JSON codec, bound to a small record type with nesting, decoding any bytes under tight
 * {@link JsonLimits}. The input is the message itself. It must come back as an {@link Order} or
 * be refused with a {@link CodecException}, with no string longer than the limit, and a value it
 * accepted must either encode to JSON that decodes to the same value or be refused when encoded.
 *
 * <p>{@code mvn verify} runs it over the seeds in {@code JsonCodecFuzzTestInputs};
 * docs/reliability.md ("Fuzzing") says how to fuzz it.
 */
@Timeout(10)
class JsonCodecFuzzTest {

    private static final JsonLimits LIMITS = new JsonLimits(8, 4096, 64, 20);
    private static final Codec<Order> CODEC = Codecs.json(Order.class, LIMITS);

    enum Status { NEW, SHIPPED }

    record Line(String sku, long cents, List<String> tags) {
    }

    record Order(String id, int quantity, boolean urgent, Status status, List<Line> lines, Map<String, Line> byName) {
    }

    @FuzzTest
    void decodesAnyMessageToAnOrderOrRefusesIt(byte[] message) {
        Order order;
        try {
            order = CODEC.decode(message);
        } catch (CodecException refused) {
            return;
        }
        assertThat(order).isNotNull();
        assertThat(strings(order)).allSatisfy(text -> assertThat(text.length()).isLessThanOrEqualTo(LIMITS.maxStringLength()));
        byte[] again;
        try {
            again = CODEC.encode(order);
        } catch (CodecException refused) {
            return;
        }
        assertThat(CODEC.decode(again)).as("%s", new String(again, StandardCharsets.UTF_8)).isEqualTo(order);
    }

    /** @return every string value in the order (map keys are names, bounded by the document length) */
    private static Stream<String> strings(Order order) {
        Stream<Line> lines = Stream.concat(order.lines() == null ? Stream.empty() : order.lines().stream(),
                order.byName() == null ? Stream.empty() : order.byName().values().stream());
        Stream<String> fromLines = lines.filter(line -> line != null).flatMap(line -> Stream.concat(Stream.of(line.sku()),
                line.tags() == null ? Stream.empty() : line.tags().stream()));
        return Stream.concat(Stream.of(order.id()), fromLines).filter(text -> text != null);
    }

    /** @return the committed seeds, by file name */
    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("order", json("""
                {"id":"A-1","quantity":2,"urgent":true,"status":"SHIPPED",
                 "lines":[{"sku":"sku-1","cents":1999,"tags":["red","big"]},{"sku":"\\ud83d\\ude00","cents":-5,"tags":[]}],
                 "byName":{"first":{"sku":"s","cents":0,"tags":null}}}"""));
        seeds.put("nulls-and-missing", json("{\"id\":null,\"lines\":[null],\"byName\":{\"k\":null}}"));
        seeds.put("unknown-fields-and-duplicates", json("{\"id\":\"a\",\"id\":\"b\",\"extra\":{\"x\":[1,2,{}]},\"quantity\":\"7\"}"));
        seeds.put("nesting-over-the-limit", json("{\"extra\":[[[[[[[[[[]]]]]]]]]]}"));
        seeds.put("string-over-the-limit", json("{\"id\":\"" + "x".repeat(65) + "\"}"));
        seeds.put("number-over-the-limit", json("{\"quantity\":123456789012345678901234}"));
        seeds.put("int-overflow", json("{\"quantity\":4294967296,\"lines\":[{\"cents\":9223372036854775808}]}"));
        seeds.put("float-for-int", json("{\"quantity\":1.5e3,\"lines\":[{\"cents\":-0.0}]}"));
        seeds.put("unknown-enum", json("{\"status\":\"LOST\"}"));
        seeds.put("class-type-id", json("{\"@class\":\"java.lang.ProcessBuilder\",\"id\":[\"java.net.URL\",\"http://x\"]}"));
        seeds.put("json-null", json("null"));
        seeds.put("trailing-tokens", json("{\"id\":\"a\"} {\"id\":\"b\"}"));
        seeds.put("lone-surrogate", json("{\"id\":\"\\ud800\",\"lines\":[{\"sku\":\"\\udc00x\"}]}"));
        seeds.put("invalid-utf8", new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, '(', '"', '}'});
        seeds.put("utf8-bom", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'});
        seeds.put("truncated", json("{\"id\":\"a\",\"lines\":[{\"sku\""));
        return seeds;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
