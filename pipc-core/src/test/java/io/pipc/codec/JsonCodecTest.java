package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import io.pipc.Codec;
import io.pipc.CodecException;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    record Line(String sku, long cents) {
    }

    record Order(String id, int quantity, List<Line> lines, Map<String, Double> attributes) {
    }

    /** A JavaBean, as opposed to a record. */
    static final class Customer {
        private String name;
        private int age;
        private List<String> tags = new ArrayList<>();

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public int getAge() {
            return age;
        }

        public void setAge(int age) {
            this.age = age;
        }

        public List<String> getTags() {
            return tags;
        }

        public void setTags(List<String> tags) {
            this.tags = tags;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Customer that && Objects.equals(name, that.name) && age == that.age && tags.equals(that.tags);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, age, tags);
        }
    }

    /** Counts constructions: proof of whether Jackson instantiated it. */
    public static final class Tripwire {
        static final AtomicInteger CREATED = new AtomicInteger();
        public int value;

        public Tripwire() {
            CREATED.incrementAndGet();
        }
    }

    record Carrier(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object payload) {
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
    @JsonSubTypes({@JsonSubTypes.Type(value = Circle.class, name = "circle"), @JsonSubTypes.Type(value = Square.class, name = "square")})
    interface Shape {
    }

    record Circle(double radius) implements Shape {
    }

    record Square(double side) implements Shape {
    }

    record Drawing(List<Shape> shapes) {
    }

    record Person(String firstName, String lastName) {
    }

    private static final Order ORDER = new Order("A-1", 3,
            List.of(new Line("sku-1", 1999), new Line("sku-\uD83D\uDE00", 5)), Map.of("weight", 1.5));

    private final Codec<Order> orders = Codecs.json(Order.class);

    @BeforeEach
    void resetTripwire() {
        Tripwire.CREATED.set(0);
    }

    @Test
    void recordRoundTrips() {
        byte[] json = orders.encode(ORDER);

        assertThat(new String(json, StandardCharsets.UTF_8)).startsWith("{\"id\":\"A-1\",\"quantity\":3,");
        assertThat(orders.decode(json)).isEqualTo(ORDER);
    }

    @Test
    void javaBeanRoundTrips() {
        Codec<Customer> codec = Codecs.json(Customer.class);
        Customer customer = new Customer();
        customer.setName("Ada");
        customer.setAge(36);
        customer.setTags(List.of("vip", "early"));

        assertThat(codec.decode(codec.encode(customer))).isEqualTo(customer);
    }

    @Test
    void nestedListsAndMapsWithinTheLimitsRoundTrip() {
        Codec<List<Map<String, List<Integer>>>> codec = JsonCodec.of(new TypeReference<>() {
        }, JsonLimits.defaults().withMaxNestingDepth(3));
        Map<String, List<Integer>> first = new HashMap<>();
        first.put("primes", List.of(2, 3, 5));
        first.put("empty", List.of());
        List<Map<String, List<Integer>>> value = List.of(first, Map.of());

        assertThat(codec.decode(codec.encode(value))).isEqualTo(value);
    }

    @Test
    void nullsInsideAValueAreKept() {
        Order withNulls = new Order(null, 0, Arrays.asList(new Line(null, 1), null), Map.of());

        assertThat(orders.decode(orders.encode(withNulls))).isEqualTo(withNulls);
    }

    @Test
    void syntaxErrorIsRefused() {
        assertThatThrownBy(() -> orders.decode(utf8("{\"id\": \"A-1\", ")))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("not a JSON " + Order.class.getName() + ": Unexpected end-of-input");
    }

    @Test
    void wrongTypeForTheDeclaredClassIsRefusedNamingTheField() {
        assertThatThrownBy(() -> orders.decode(utf8("{\"id\": \"A-1\", \"quantity\": \"three\"}")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Cannot deserialize value of type `int` from String \"three\"")
                .hasMessageContaining("[\"quantity\"]");
        assertThatThrownBy(() -> orders.decode(utf8("[1, 2]")))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("not a JSON " + Order.class.getName());
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        Codec<Object> codec = Codecs.json(Object.class, JsonLimits.defaults().withMaxNestingDepth(4));

        assertThat(codec.decode(utf8("[[[[1]]]]"))).isEqualTo(List.of(List.of(List.of(List.of(1)))));
        assertThatThrownBy(() -> codec.decode(utf8("[[[[[1]]]]]")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("nesting depth (5) exceeds the maximum allowed (4");
    }

    @Test
    void defaultDepthLimitStopsADeeplyNestedDocument() {
        Codec<Object> codec = Codecs.json(Object.class);
        String deep = "[".repeat(10_000) + "]".repeat(10_000);

        assertThatThrownBy(() -> codec.decode(utf8(deep)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("exceeds the maximum allowed (64");
    }

    @Test
    void valueDeeperThanTheLimitIsNotEncoded() {
        Codec<Object> codec = Codecs.json(Object.class, JsonLimits.defaults().withMaxNestingDepth(2));

        assertThatThrownBy(() -> codec.encode(List.of(List.of(List.of(1)))))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("cannot write a ")
                .hasMessageContaining("nesting depth");
    }

    @Test
    void documentLongerThanTheLimitIsRefusedUnparsedAndNotEncoded() {
        Codec<Order> codec = Codecs.json(Order.class, JsonLimits.defaults().withMaxDocumentLength(64));
        Order big = new Order("x".repeat(100), 1, List.of(), Map.of());
        byte[] json = orders.encode(big);

        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOf(CodecException.class)
                .hasMessage("JSON message of " + json.length + " bytes exceeds maxDocumentLength 64; nothing of it was parsed");
        assertThatThrownBy(() -> codec.encode(big))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("over maxDocumentLength 64, which the peer would refuse");
    }

    @Test
    void longStringsAndNumbersAreRefused() {
        Codec<Object> codec = Codecs.json(Object.class, JsonLimits.defaults().withMaxStringLength(10).withMaxNumberLength(5));

        assertThat(codec.decode(utf8("[\"0123456789\", 12345]"))).isEqualTo(List.of("0123456789", 12345));
        assertThatThrownBy(() -> codec.decode(utf8("[\"0123456789A\"]")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("String value length (11) exceeds the maximum allowed (10");
        assertThatThrownBy(() -> codec.decode(utf8("[123456]")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Number value length (6) exceeds the maximum allowed (5");
    }

    @Test
    void trailingTokensAndGarbageAreRefused() {
        String order = "{\"id\": \"A-1\", \"quantity\": 1, \"lines\": [], \"attributes\": {}}";

        assertThat(orders.decode(utf8(order + "\n  "))).extracting(Order::id).isEqualTo("A-1");
        assertThatThrownBy(() -> orders.decode(utf8(order + " " + order)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Trailing token");
        assertThatThrownBy(() -> orders.decode(utf8(order + " garbage")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Unrecognized token 'garbage'");
    }

    @Test
    void nullDocumentAndEmptyMessageAreRefused() {
        assertThatThrownBy(() -> orders.decode(utf8("null")))
                .isInstanceOf(CodecException.class)
                .hasMessage("JSON null where a " + Order.class.getName() + " was expected; pipes carry values, not null");
        assertThatThrownBy(() -> orders.decode(new byte[0]))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("No content to map due to end-of-input");
        assertThatThrownBy(() -> orders.encode(null)).isInstanceOf(CodecException.class).hasMessageContaining("null");
    }

    @Test
    void classNameTypeIdsFromTheMessageAreRefusedBeforeAnythingIsCreated() {
        Codec<Carrier> codec = Codecs.json(Carrier.class);
        byte[] message = codec.encode(new Carrier(new Tripwire()));
        assertThat(new String(message, StandardCharsets.UTF_8)).contains("\"@class\":\"" + Tripwire.class.getName() + "\"");
        Tripwire.CREATED.set(0);

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Could not resolve type id '" + Tripwire.class.getName() + "'");
        assertThat(Tripwire.CREATED).hasValue(0);
    }

    @Test
    void logicalTypeNamesDeclaredByTheTypeWork() {
        Codec<Drawing> codec = Codecs.json(Drawing.class);
        Drawing drawing = new Drawing(List.of(new Circle(1), new Square(2)));

        byte[] json = codec.encode(drawing);

        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"@type\":\"circle\"");
        assertThat(codec.decode(json)).isEqualTo(drawing);
        assertThatThrownBy(() -> codec.decode(utf8("{\"shapes\":[{\"@type\":\"" + Tripwire.class.getName() + "\"}]}")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Could not resolve type id");
    }

    @Test
    void applicationMapperKeepsItsConfigurationAndGetsTheLimits() {
        JsonMapper application = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        Codec<Person> codec = JsonCodec.of(Person.class, application, JsonLimits.defaults().withMaxNestingDepth(1));
        Person ada = new Person("Ada", "Lovelace");

        byte[] json = codec.encode(ada);

        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"}");
        assertThat(codec.decode(json)).isEqualTo(ada);
        assertThatThrownBy(() -> codec.decode(utf8("{\"first_name\":{\"nested\":1}}")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("nesting depth (2) exceeds the maximum allowed (1");
        // The application's own mapper is left as it was.
        assertThat(application.readValue("[[[[1]]]]", Object.class)).isEqualTo(List.of(List.of(List.of(List.of(1)))));
    }

    @Test
    void applicationMapperCannotReopenClassNameTypeIds() {
        JsonMapper permissive = JsonMapper.builder()
                .polymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().allowIfSubType(Object.class).build())
                .build();
        Codec<Carrier> codec = JsonCodec.of(Carrier.class, permissive, JsonLimits.defaults());
        byte[] message = codec.encode(new Carrier(new Tripwire()));
        Tripwire.CREATED.set(0);

        assertThatThrownBy(() -> codec.decode(message)).isInstanceOf(CodecException.class);
        assertThat(Tripwire.CREATED).hasValue(0);
    }

    @Test
    void applicationMapperCannotAllowTrailingTokens() {
        JsonMapper lenient = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
        Codec<Person> codec = JsonCodec.of(Person.class, lenient, JsonLimits.defaults());

        assertThatThrownBy(() -> codec.decode(utf8("{\"firstName\":\"Ada\"} {}")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("Trailing token");
    }

    @Test
    void applicationMapperWithDefaultTypingIsRefused() {
        JsonMapper typing = JsonMapper.builder()
                .activateDefaultTyping(BasicPolymorphicTypeValidator.builder().allowIfSubType(Object.class).build())
                .build();

        assertThatThrownBy(() -> JsonCodec.of(Order.class, typing, JsonLimits.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default typing");
    }

    @Test
    void limitsBelowOneAreRefused() {
        assertThatThrownBy(() -> JsonLimits.defaults().withMaxNestingDepth(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("JsonLimits.maxNestingDepth must be at least 1 (was 0)");
        assertThatThrownBy(() -> JsonLimits.defaults().withMaxDocumentLength(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringNamesTheDeclaredType() {
        assertThat(orders).hasToString("json(" + Order.class.getName() + ")");
        assertThat(JsonCodec.of(new TypeReference<List<String>>() {
        })).hasToString("json(java.util.List<java.lang.String>)");
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
