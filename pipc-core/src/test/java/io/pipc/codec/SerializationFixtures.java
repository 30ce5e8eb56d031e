package io.pipc.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** Serializable values for the Java serialization tests, including tripwires that count code run. */
final class SerializationFixtures {

    private SerializationFixtures() {
    }

    record Line(String sku, long cents) implements Serializable {
    }

    enum Status {
        NEW,
        SHIPPED {
            @Override
            String label() {
                return "on its way";
            }
        };

        String label() {
            return name().toLowerCase();
        }
    }

    record Order(String id, Status status, List<Line> lines, Map<String, Integer> counts) implements Serializable {
    }

    /** Every class an {@link Order} is made of. */
    static final Set<String> ORDER_CLASSES = Set.of(
            Order.class.getName(), Line.class.getName(), Status.class.getName(),
            "java.util.ArrayList", "java.util.HashMap", "java.lang.Integer");

    record Positive(int value) implements Serializable {
        Positive {
            if (value <= 0) {
                throw new IllegalArgumentException("value must be positive (was " + value + ")");
            }
        }
    }

    static class Animal implements Serializable {
        private static final long serialVersionUID = 1L;
        String name = "animal";
    }

    static final class Dog extends Animal {
        private static final long serialVersionUID = 1L;
        boolean goodBoy = true;
    }

    /** A superclass that counts its readObject runs: subclasses are made of it, it is never listed itself. */
    static class Pet implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger READS = new AtomicInteger();
        String name = "pet";

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            READS.incrementAndGet();
            in.defaultReadObject();
        }
    }

    /** Its field has the type of its superclass's: the stream names that type once, then refers back to it. */
    static final class Cat extends Pet {
        private static final long serialVersionUID = 1L;
        String color = "black";
    }

    /** Its fields' types are all new to the stream when its superclass's are read. */
    static final class Hamster extends Pet {
        private static final long serialVersionUID = 1L;
        int age = 1;
    }

    /**
     * Writes, in the annotation of a class descriptor (which plain streams leave empty), an object
     * the reader creates while it reads the descriptor: a crafted stream, as a hostile peer sends it.
     */
    static byte[] serializeAnnotated(Object value, Class<?> annotated, Object annotation) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes) {
            @Override
            protected void annotateClass(Class<?> type) throws IOException {
                if (type == annotated) {
                    writeObject(annotation);
                }
            }
        }) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static final class Holder implements Serializable {
        private static final long serialVersionUID = 1L;
        final Object first;
        final Object second;

        Holder(Object first, Object second) {
            this.first = first;
            this.second = second;
        }
    }

    static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;
        final Node next;

        Node(Node next) {
            this.next = next;
        }

        static Node chain(int length) {
            Node head = null;
            for (int i = 0; i < length; i++) {
                head = new Node(head);
            }
            return head;
        }
    }

    /** Counts every run of its readObject: proof of whether deserialization code ran. */
    static final class ReadObjectTripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger READS = new AtomicInteger();

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            READS.incrementAndGet();
            in.defaultReadObject();
        }
    }

    /** Counts hashCode calls, which HashMap.readObject and HashSet.readObject make on every key. */
    static final class HashCodeTripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicInteger HASHES = new AtomicInteger();

        @Override
        public int hashCode() {
            HASHES.incrementAndGet();
            return 7;
        }

        @Override
        public boolean equals(Object other) {
            return other == this;
        }
    }

    /** Not serializable. */
    static final class Plain {
    }

    /** Plain Java serialization, for writing streams the codec is then asked to read. */
    static byte[] serialize(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
