package io.pipc.transport.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Where the JVM running the tests puts an {@link InProcessQueue}'s fields: the writers' side,
 * the readers' side and the rest (read by both, seldom written) must each lie 128 bytes or more
 * from the others and from the object header, or one of their lines moves between the writing
 * and the reading core on every message. Offsets come from the JDK's internal {@code Unsafe}
 * (exported to the tests by pipc-core's surefire configuration), the only way to ask the JVM
 * for them; {@code sun.misc.Unsafe} warns on JDK 23 and later.
 */
class QueueSidesLayoutTest {

    private static final long APART = 128;

    private record Placed(String name, long offset, long size) {

        long end() {
            return offset + size;
        }
    }

    @Test
    void writersReadersAndTheRestAreEachOnLinesOfTheirOwn() throws ReflectiveOperationException {
        List<Placed> writers = fieldsOf(QueueSides.Writers.class);
        List<Placed> readers = fieldsOf(QueueSides.Readers.class);
        List<Placed> rest = fieldsOf(InProcessQueue.class);
        // The header (mark word and class pointer, 8 to 16 bytes) ends where the first field starts.
        long firstField = Long.MAX_VALUE;
        for (Class<?> type = InProcessQueue.class; type != Object.class; type = type.getSuperclass()) {
            for (Placed field : fieldsOf(type)) {
                firstField = Math.min(firstField, field.offset());
            }
        }
        List<Placed> header = List.of(new Placed("the object header", 0, firstField));
        assertThat(writers).extracting(Placed::name).contains("produced", "writerLock", "tailIndex");
        assertThat(readers).extracting(Placed::name).contains("consumed", "readerLock", "headIndex");
        assertThat(rest).extracting(Placed::name).contains("maxMessages", "readersSleeping", "producersSleeping");

        assertApart(writers, readers);
        assertApart(readers, rest);
        assertApart(writers, rest);
        assertApart(header, writers);
        assertApart(header, readers);
    }

    private static void assertApart(List<Placed> one, List<Placed> other) {
        for (Placed a : one) {
            for (Placed b : other) {
                long gap = (a.offset() < b.offset()) ? b.offset() - a.end() : a.offset() - b.end();
                assertThat(gap)
                        .as("bytes between %s (offset %d) and %s (offset %d)", a.name(), a.offset(), b.name(), b.offset())
                        .isGreaterThanOrEqualTo(APART);
            }
        }
    }

    private static List<Placed> fieldsOf(Class<?> declaring) throws ReflectiveOperationException {
        Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe;
        try {
            unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError("this test needs --add-exports java.base/jdk.internal.misc=ALL-UNNAMED on the"
                    + " test JVM's command line, as pipc-core's surefire configuration gives it", e);
        }
        Method offsetOf = unsafeClass.getMethod("objectFieldOffset", Field.class);
        List<Placed> placed = new ArrayList<>();
        for (Field field : declaring.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            long offset = (long) offsetOf.invoke(unsafe, field);
            placed.add(new Placed(field.getName(), offset, sizeOf(field.getType())));
        }
        return placed;
    }

    private static long sizeOf(Class<?> type) {
        if (type == long.class || type == double.class) {
            return 8;
        }
        if (type == int.class || type == float.class) {
            return 4;
        }
        if (type == short.class || type == char.class) {
            return 2;
        }
        if (type == byte.class || type == boolean.class) {
            return 1;
        }
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return Boolean.parseBoolean(vm.getVMOption("UseCompressedOops").getValue()) ? 4 : 8;
    }
}
