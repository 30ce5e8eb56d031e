package io.pipc.codec;

import static io.pipc.codec.SerializationFixtures.serialize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ObjectInputFilter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.pipc.Codec;
import io.pipc.CodecException;
import io.pipc.codec.SerializationFixtures.Animal;
import io.pipc.codec.SerializationFixtures.Dog;
import io.pipc.codec.SerializationFixtures.Holder;
import io.pipc.codec.SerializationFixtures.Line;
import io.pipc.codec.SerializationFixtures.Order;
import io.pipc.codec.SerializationFixtures.Plain;
import io.pipc.codec.SerializationFixtures.Positive;
import io.pipc.codec.SerializationFixtures.Status;

import org.junit.jupiter.api.Test;

/** Round trips, and refusals that are not about the allow-list (see {@link JavaSerializationAllowListTest}). */
class JavaSerializationCodecTest {

    private static final Set<String> ORDER_CLASSES = SerializationFixtures.ORDER_CLASSES;

    private static Order order() {
        Map<String, Integer> counts = new HashMap<>();
        counts.put("boxes", 2);
        counts.put("pallets", 1);
        return new Order("A-1", Status.SHIPPED,
                new ArrayList<>(List.of(new Line("sku-1", 1999), new Line("sku-\uD83D\uDE00", 5))), counts);
    }

    @Test
    void valueGraphRoundTripsWithOnlyItsClassesListed() {
        Codec<Order> codec = Codecs.javaSerialization(Order.class, ORDER_CLASSES);
        Order order = order();

        Order decoded = codec.decode(codec.encode(order));

        assertThat(decoded).isEqualTo(order);
        // The enum constant with a body comes back as the same constant, listed by its enum alone.
        assertThat(decoded.status()).isSameAs(Status.SHIPPED);
        assertThat(decoded.status().label()).isEqualTo("on its way");
    }

    @Test
    void sharedReferencesStayShared() {
        Line line = new Line("shared", 1);
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Holder.class.getName(), Line.class.getName()));

        Holder decoded = (Holder) codec.decode(codec.encode(new Holder(line, line)));

        assertThat(decoded.first).isEqualTo(line).isSameAs(decoded.second);
    }

    @Test
    void stringsAndPrimitiveArraysNeedNoListing() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));

        assertThat(codec.decode(codec.encode("text \uD83D\uDE00"))).isEqualTo("text \uD83D\uDE00");
        assertThat(codec.decode(codec.encode(new String[] {"a", "b"}))).isEqualTo(new String[] {"a", "b"});
        assertThat(codec.decode(codec.encode(new int[][] {{1}, {2, 3}}))).isEqualTo(new int[][] {{1}, {2, 3}});
        assertThat(codec.decode(codec.encode(new byte[0]))).isEqualTo(new byte[0]);
    }

    @Test
    void arraysOfListedClassesAndOfObjectAreAllowed() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));
        Line[] lines = {new Line("a", 1), null};
        Object[] objects = {new Line("b", 2), "text"};

        assertThat(codec.decode(codec.encode(lines))).isEqualTo(lines);
        assertThat(codec.decode(codec.encode(objects))).isEqualTo(objects);
    }

    @Test
    void superclassesOfAListedClassNeedNoListing() {
        // ObjectInputStream asks about java.lang.Number for an Integer, and Animal for a Dog.
        Codec<Object> codec = Codecs.javaSerialization(Set.of("java.lang.Integer", Dog.class.getName()));

        assertThat(codec.decode(codec.encode(42))).isEqualTo(42);
        Dog dog = (Dog) codec.decode(codec.encode(new Dog()));
        assertThat(dog.name).isEqualTo("animal");
        assertThat(dog.goodBoy).isTrue();
    }

    @Test
    void superclassInstancesMayNotFollowOnceTheirSubclassWasDescribed() {
        // The JDK describes Animal once, with Dog; a later Animal reuses that description without
        // asking the filter. It was allowed as Dog's superclass only, so it is refused on its own.
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Holder.class.getName(), Dog.class.getName()));

        assertThatThrownBy(() -> codec.decode(codec.encode(new Holder(new Dog(), new Animal()))))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("an object of class " + Animal.class.getName() + " was read on its own");
        Codec<Object> listed = Codecs.javaSerialization(Set.of(Holder.class.getName(), Dog.class.getName(),
                Animal.class.getName()));
        assertThat(((Holder) listed.decode(listed.encode(new Holder(new Dog(), new Animal())))).second)
                .isExactlyInstanceOf(Animal.class);
    }

    @Test
    void immutableListsNeedTheirSerialFormAndTheirReplacementListed() {
        Codec<Object> serialFormOnly = Codecs.javaSerialization(Set.of("java.util.CollSer"));
        Codec<Object> both = Codecs.javaSerialization(Set.of("java.util.CollSer", "java.util.ImmutableCollections$ListN"));
        byte[] message = serialize(List.of("a", "b", "c"));

        assertThatThrownBy(() -> serialFormOnly.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("java.util.ImmutableCollections$ListN is not on the allow-list");
        assertThat(both.decode(message)).isEqualTo(List.of("a", "b", "c"));
    }

    @Test
    void valueOfAnotherTypeThanDeclaredIsRefused() {
        Codec<Order> codec = Codecs.javaSerialization(Order.class, ORDER_CLASSES);

        assertThatThrownBy(() -> codec.decode(serialize(new Line("x", 1))))
                .isInstanceOf(CodecException.class)
                .hasMessage("the message holds a " + Line.class.getName() + " where a " + Order.class.getName() + " was expected");
    }

    @Test
    void encodingANonSerializableValueNamesItsClass() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Holder.class.getName()));

        assertThatThrownBy(() -> codec.encode(new Plain()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining(Plain.class.getName() + " does not implement java.io.Serializable");
        assertThatThrownBy(() -> codec.encode(new Holder("fine", new Plain())))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("cannot serialize a " + Holder.class.getName())
                .hasMessageContaining(Plain.class.getName() + " does not implement java.io.Serializable");
    }

    @Test
    void nullIsRefusedBothWays() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));

        assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(CodecException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> codec.decode(serialize(null)))
                .isInstanceOf(CodecException.class)
                .hasMessage("the message holds null; pipes carry values, not null");
    }

    @Test
    void bytesAfterTheValueAreRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));
        byte[] message = serialize(new Line("x", 1));
        byte[] withTrailer = Arrays.copyOf(message, message.length + 3);

        assertThatThrownBy(() -> codec.decode(withTrailer))
                .isInstanceOf(CodecException.class)
                .hasMessage("3 bytes follow the serialized value; a message carries exactly one value");
    }

    @Test
    void garbageAndTruncatedStreamsAreRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));
        byte[] message = serialize(new Line("x", 1));

        assertThatThrownBy(() -> codec.decode("not serialized".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("not a valid Java serialization stream");
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(message, message.length - 4)))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("not a valid Java serialization stream");
        assertThatThrownBy(() -> codec.decode(new byte[0]))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("not a valid Java serialization stream");
    }

    @Test
    void aMapKeyThatContainsItselfIsRefusedWithACodecExceptionNotAStackOverflow() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of("java.util.HashMap", "java.util.ArrayList"));
        List<Object> key = new ArrayList<>();
        Map<Object, String> map = new HashMap<>();
        map.put(key, "value");
        // Added once the key is in the map: writing does not hash, reading does.
        key.add(key);
        byte[] message = serialize(map);

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("contains itself")
                .hasCauseInstanceOf(StackOverflowError.class);
        assertThat(codec.decode(serialize(new HashMap<>(Map.of("after", "fine"))))).isEqualTo(Map.of("after", "fine"));
    }

    @Test
    void recordValidationRunsAndItsRefusalIsReported() {
        Codec<Positive> codec = Codecs.javaSerialization(Positive.class, Set.of(Positive.class.getName()));
        byte[] message = codec.encode(new Positive(5));
        // The record's only field is the stream's last four bytes.
        ByteBuffer.wrap(message).putInt(message.length - 4, -1);

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("value must be positive (was -1)");
    }

    @Test
    void classMissingFromThisJvmIsNamed() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));
        byte[] message = serialize(new Line("x", 1));
        String name = Line.class.getName();
        String missing = name.substring(0, name.length() - 1) + "X";
        byte[] forged = replace(message, name, missing);

        assertThatThrownBy(() -> codec.decode(forged))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining(missing);
    }

    @Test
    void jvmWideFilterStillApplies() {
        ObjectInputFilter operatorPolicy = ObjectInputFilter.Config.createFilter("!java.lang.Integer");
        Codec<Object> codec = new JavaSerializationCodec<>(Object.class,
                AllowList.of(Set.of("java.lang.Integer", Line.class.getName())), JavaSerializationLimits.defaults(),
                () -> operatorPolicy);

        assertThat(codec.decode(serialize(new Line("x", 1)))).isEqualTo(new Line("x", 1));
        assertThatThrownBy(() -> codec.decode(serialize(42)))
                .isInstanceOf(CodecException.class)
                .hasMessage("refused by the JVM-wide deserialization filter (jdk.serialFilter)");
    }

    @Test
    void toStringCountsTheAllowedClassesAndNamesTheDeclaredType() {
        assertThat(Codecs.javaSerialization(Set.of("java.lang.Integer", "java.lang.Long", "java.util.ArrayList")))
                .hasToString("javaSerialization[3 classes]");
        assertThat(Codecs.javaSerialization(Line.class, Set.of(Line.class.getName())))
                .hasToString("javaSerialization(" + Line.class.getName() + ")[1 class]");
    }

    private static byte[] replace(byte[] message, String from, String to) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        assertThat(text).contains(from);
        return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }
}
