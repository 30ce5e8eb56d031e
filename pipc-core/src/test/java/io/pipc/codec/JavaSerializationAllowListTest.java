package io.pipc.codec;

import static io.pipc.codec.SerializationFixtures.serialize;
import static io.pipc.codec.SerializationFixtures.serializeAnnotated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.pipc.Codec;
import io.pipc.CodecException;
import io.pipc.codec.SerializationFixtures.Animal;
import io.pipc.codec.SerializationFixtures.Cat;
import io.pipc.codec.SerializationFixtures.Dog;
import io.pipc.codec.SerializationFixtures.Hamster;
import io.pipc.codec.SerializationFixtures.HashCodeTripwire;
import io.pipc.codec.SerializationFixtures.Holder;
import io.pipc.codec.SerializationFixtures.Line;
import io.pipc.codec.SerializationFixtures.Node;
import io.pipc.codec.SerializationFixtures.Pet;
import io.pipc.codec.SerializationFixtures.ReadObjectTripwire;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the allow-list and the limits refuse, and proof that refused classes run no code. */
class JavaSerializationAllowListTest {

    @BeforeEach
    void resetTripwires() {
        ReadObjectTripwire.READS.set(0);
        HashCodeTripwire.HASHES.set(0);
        Pet.READS.set(0);
    }

    @Test
    void classNotOnTheAllowListIsRefusedByNameAndRunsNoCode() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));
        byte[] message = serialize(new ReadObjectTripwire());

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessage("class " + ReadObjectTripwire.class.getName()
                        + " is not on the allow-list (1 class); add its exact name if messages may carry it");
        assertThat(ReadObjectTripwire.READS).hasValue(0);
    }

    @Test
    void tripwireCountsWhenItIsAllowed() {
        // The control for the test above: the tripwire does detect a readObject run.
        Codec<Object> codec = Codecs.javaSerialization(Set.of(ReadObjectTripwire.class.getName()));

        codec.decode(serialize(new ReadObjectTripwire()));

        assertThat(ReadObjectTripwire.READS).hasValue(1);
    }

    @Test
    void refusedClassNestedInAnAllowedOneRunsNoCode() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Holder.class.getName(), Line.class.getName()));
        byte[] message = serialize(new Holder(new Line("x", 1), new ReadObjectTripwire()));

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining(ReadObjectTripwire.class.getName());
        assertThat(ReadObjectTripwire.READS).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java.util.HashSet", "java.util.HashMap"})
    void gadgetContainerIsRefusedBeforeItsReadObjectHashesAnyKey(String container) {
        Object gadget = container.equals("java.util.HashSet")
                ? new HashSet<>(Set.of(new HashCodeTripwire()))
                : new HashMap<>(Map.of(new HashCodeTripwire(), "value"));
        byte[] message = serialize(gadget);
        HashCodeTripwire.HASHES.set(0);
        Codec<Object> withoutContainer = Codecs.javaSerialization(Set.of(HashCodeTripwire.class.getName()));

        assertThatThrownBy(() -> withoutContainer.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("class " + container + " is not on the allow-list");
        assertThat(HashCodeTripwire.HASHES).hasValue(0);

        // Control: allowed, the container's readObject does hash its keys.
        Codecs.javaSerialization(Set.of(HashCodeTripwire.class.getName(), container)).decode(message);
        assertThat(HashCodeTripwire.HASHES).hasPositiveValue();
    }

    @Test
    void superclassAloneIsRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Dog.class.getName()));

        assertThatThrownBy(() -> codec.decode(serialize(new Animal())))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("class " + Animal.class.getName() + " is not on the allow-list");
    }

    @Test
    void subclassWhoseSuperclassIsNotListedIsReadWhole() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Cat.class.getName()));
        Cat cat = new Cat();
        cat.name = "Tom";

        Cat read = (Cat) codec.decode(serialize(cat));

        assertThat(read.name).isEqualTo("Tom");
        assertThat(read.color).isEqualTo("black");
        assertThat(Pet.READS).as("the superclass's own code runs for the subclass").hasValue(1);
    }

    @Test
    void superclassHiddenInTheAnnotationOfItsSubclassDescriptorIsRefusedAndNeverMade() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Hamster.class.getName()));
        byte[] crafted = serializeAnnotated(new Hamster(), Hamster.class, new Pet());

        assertThatThrownBy(() -> codec.decode(crafted))
                .isInstanceOf(CodecException.class)
                .hasMessageStartingWith("class " + Pet.class.getName() + " is not on the allow-list");
        assertThat(Pet.READS).as("no Pet was made, not even the Hamster").hasValue(0);

        // Control: the same subclass, written plainly, is read, its superclass's code included.
        assertThat(codec.decode(serialize(new Hamster()))).isInstanceOf(Hamster.class);
        assertThat(Pet.READS).hasValue(1);
    }

    @Test
    void superclassMadeAloneFromTheDescriptorItsSubclassBroughtIsRefused() {
        // The stream describes Pet once, as Cat's superclass; the second object refers back to that description.
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Holder.class.getName(), Cat.class.getName()));
        byte[] message = serialize(new Holder(new Cat(), new Pet()));

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessage("an object of class " + Pet.class.getName() + " was read on its own, but the class is allowed"
                        + " only as the superclass of a class on the allow-list (2 classes); add its exact name if messages"
                        + " may carry it");

        // Control: a holder of two cats is fine.
        assertThat(codec.decode(serialize(new Holder(new Cat(), new Cat())))).isInstanceOf(Holder.class);
    }

    @Test
    void arrayOfAnUnlistedClassIsRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()));

        assertThatThrownBy(() -> codec.decode(serialize(new ReadObjectTripwire[0])))
                .isInstanceOf(CodecException.class)
                .hasMessage("array " + ReadObjectTripwire.class.getTypeName() + "[] is refused: its element class "
                        + ReadObjectTripwire.class.getName() + " is not on the allow-list (1 class)");
    }

    interface Greeter extends Serializable {
        String greet();
    }

    static final class GreeterHandler implements InvocationHandler, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            return "hello";
        }
    }

    @Test
    void dynamicProxiesAreAlwaysRefused() {
        Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Greeter.class}, new GreeterHandler());
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Greeter.class.getName(), GreeterHandler.class.getName(),
                "java.lang.reflect.Proxy", proxy.getClass().getName()));

        assertThatThrownBy(() -> codec.decode(serialize(proxy)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("dynamic proxy class")
                .hasMessageContaining("proxies are never deserialized");
    }

    @Test
    void objectNestingDeeperThanMaxDepthIsRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Node.class.getName()),
                JavaSerializationLimits.defaults().withMaxDepth(5));

        assertThat(codec.decode(codec.encode(Node.chain(3)))).isInstanceOf(Node.class);
        assertThatThrownBy(() -> codec.decode(codec.encode(Node.chain(10))))
                .isInstanceOf(CodecException.class)
                .hasMessage("object nesting depth 6 exceeds maxDepth 5");
    }

    @Test
    void moreReferencesThanMaxReferencesAreRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of("java.util.ArrayList", Line.class.getName()),
                JavaSerializationLimits.defaults().withMaxReferences(20));
        List<Line> few = new ArrayList<>(List.of(new Line("a", 1)));
        List<Line> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(new Line("sku-" + i, i));
        }

        assertThat(codec.decode(codec.encode(few))).isEqualTo(few);
        assertThatThrownBy(() -> codec.decode(codec.encode(many)))
                .isInstanceOf(CodecException.class)
                .hasMessage("more than maxReferences 20 objects and references");
    }

    @Test
    void messageLongerThanMaxBytesIsRefusedUnreadAndNotWritten() {
        Codec<Object> small = Codecs.javaSerialization(Set.of(Line.class.getName()),
                JavaSerializationLimits.defaults().withMaxBytes(100));
        Line line = new Line("x".repeat(200), 1);
        byte[] message = serialize(line);

        assertThatThrownBy(() -> small.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessage("message of " + message.length + " bytes exceeds maxBytes 100; nothing of it was read");
        assertThatThrownBy(() -> small.encode(line))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("over maxBytes 100, which the peer would refuse");
    }

    @Test
    void arrayLongerThanMaxArrayLengthIsRefused() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()),
                JavaSerializationLimits.defaults().withMaxArrayLength(10));

        assertThat(codec.decode(codec.encode(new long[10]))).isEqualTo(new long[10]);
        assertThatThrownBy(() -> codec.decode(codec.encode(new long[11])))
                .isInstanceOf(CodecException.class)
                .hasMessage("array long[] of length 11 exceeds maxArrayLength 10");
    }

    @Test
    void forgedArrayLengthIsRefusedBeforeAnythingIsAllocated() {
        Codec<Object> codec = Codecs.javaSerialization(Set.of(Line.class.getName()),
                JavaSerializationLimits.defaults().withMaxArrayLength(Integer.MAX_VALUE));
        byte[] message = serialize(new long[2]);
        // The array's length is the int before its 16 bytes of data, at the end of the stream.
        ByteBuffer.wrap(message).putInt(message.length - 16 - 4, Integer.MAX_VALUE - 8);

        assertThatThrownBy(() -> codec.decode(message))
                .isInstanceOf(CodecException.class)
                .hasMessage("array long[] of length " + (Integer.MAX_VALUE - 8) + " is longer than the message ("
                        + message.length + " bytes) could fill");
    }
}
