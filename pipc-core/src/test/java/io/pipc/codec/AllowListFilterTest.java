package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;

import static java.io.ObjectStreamConstants.TC_CLASSDESC;
import static java.io.ObjectStreamConstants.TC_ENDBLOCKDATA;
import static java.io.ObjectStreamConstants.TC_NULL;
import static java.io.ObjectStreamConstants.TC_OBJECT;
import static java.io.ObjectStreamConstants.TC_REFERENCE;

import java.io.ObjectInputFilter.FilterInfo;
import java.io.ObjectInputFilter.Status;
import java.io.Serializable;
import java.util.Map;
import java.util.Set;

import io.pipc.codec.SerializationFixtures.Animal;
import io.pipc.codec.SerializationFixtures.Dog;
import io.pipc.codec.SerializationFixtures.Line;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The filter's decisions one question at a time, as ObjectInputStream asks them. */
class AllowListFilterTest {

    private static final AllowList LIST = AllowList.of(Set.of("java.lang.Integer", Dog.class.getName(), Line.class.getName()));

    private static AllowListFilter filter(int messageLength) {
        return new AllowListFilter(LIST, JavaSerializationLimits.defaults(), new byte[messageLength]);
    }

    /** A filter over a message with the given tags at the given positions, and zeros elsewhere. */
    private static AllowListFilter filterOver(int... positionsAndTags) {
        byte[] message = new byte[1000];
        for (int i = 0; i < positionsAndTags.length; i += 2) {
            message[positionsAndTags[i]] = (byte) positionsAndTags[i + 1];
        }
        return new AllowListFilter(LIST, JavaSerializationLimits.defaults(), message);
    }

    private static FilterInfo classAt(@Nullable Class<?> type, long depth) {
        return classAt(type, depth, 10);
    }

    private static FilterInfo classAt(@Nullable Class<?> type, long depth, long streamBytes) {
        return new Info(type, -1, depth, 1, streamBytes);
    }

    private static FilterInfo array(Class<?> type, long length) {
        return new Info(type, length, 1, 1, 10);
    }

    @Test
    void superclassIsAllowedOnlyWhileItsSubclassChainIsRead() {
        // Integer's descriptor ends at 10: an empty annotation block, then Number's descriptor.
        AllowListFilter filter = filterOver(10, TC_ENDBLOCKDATA, 11, TC_CLASSDESC);

        assertThat(filter.checkInput(classAt(Integer.class, 1, 10))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(null, 2, 30))).as("a back-reference inside Number's descriptor")
                .isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Number.class, 2, 40))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Number.class, 1, 60))).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo("class java.lang.Number is not on the allow-list (3 classes);"
                + " add its exact name if messages may carry it");
    }

    @Test
    void superclassAskedAboutAfterAnAnnotationThatHeldAnObjectIsRefused() {
        // Integer's annotation block begins with an object, whose class is asked about next: Number.
        AllowListFilter filter = filterOver(10, TC_OBJECT, 11, TC_CLASSDESC);

        assertThat(filter.checkInput(classAt(Integer.class, 1, 10))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Number.class, 2, 40))).isEqualTo(Status.REJECTED);
    }

    @Test
    void superclassChainIsFollowedUpward() {
        AllowListFilter filter = filterOver(10, TC_ENDBLOCKDATA, 11, TC_CLASSDESC, 30, TC_ENDBLOCKDATA, 31, TC_NULL);

        assertThat(filter.checkInput(classAt(Dog.class, 1, 10))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Animal.class, 2, 30))).isEqualTo(Status.ALLOWED);
        // Animal is not a superclass of itself: a second Animal is a new question.
        assertThat(filter.checkInput(classAt(Animal.class, 1, 50))).isEqualTo(Status.REJECTED);
    }

    @Test
    void localSuperclassesTheStreamLeftOutAreAllowedWhereItsChainEnds() {
        // Dog's descriptor names no superclass (TC_NULL): the JDK asks about Animal, reading nothing more.
        AllowListFilter afterNull = filterOver(10, TC_ENDBLOCKDATA, 11, TC_NULL);
        assertThat(afterNull.checkInput(classAt(Dog.class, 1, 10))).isEqualTo(Status.ALLOWED);
        assertThat(afterNull.checkInput(classAt(Animal.class, 2, 12))).isEqualTo(Status.ALLOWED);

        // Its superclass is a descriptor read before (TC_REFERENCE and a four-byte handle).
        AllowListFilter afterReference = filterOver(10, TC_ENDBLOCKDATA, 11, TC_REFERENCE);
        assertThat(afterReference.checkInput(classAt(Dog.class, 1, 10))).isEqualTo(Status.ALLOWED);
        assertThat(afterReference.checkInput(classAt(Animal.class, 2, 16))).isEqualTo(Status.ALLOWED);

        // Anywhere else, something was read since: an object may be on its way.
        AllowListFilter later = filterOver(10, TC_ENDBLOCKDATA, 11, TC_NULL);
        assertThat(later.checkInput(classAt(Dog.class, 1, 10))).isEqualTo(Status.ALLOWED);
        assertThat(later.checkInput(classAt(Animal.class, 2, 20))).isEqualTo(Status.REJECTED);
    }

    @Test
    void unrelatedClassAfterAnAllowedOneIsRefused() {
        AllowListFilter filter = filterOver(10, TC_ENDBLOCKDATA, 11, TC_CLASSDESC);

        filter.checkInput(classAt(Integer.class, 1, 10));

        assertThat(filter.checkInput(classAt(Long.class, 2, 40))).isEqualTo(Status.REJECTED);
        assertThat(filter.checkInput(classAt(Serializable.class, 2, 40))).isEqualTo(Status.REJECTED);
    }

    @Test
    void stringsAndPrimitiveTypesAreAllowed() {
        AllowListFilter filter = filter(1000);

        assertThat(filter.checkInput(classAt(String.class, 1))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(int.class, 1))).isEqualTo(Status.ALLOWED);
    }

    @Test
    void arraysFollowTheirElementType() {
        AllowListFilter filter = filter(1000);

        assertThat(filter.checkInput(array(int[][].class, 2))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(String[].class, 2))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(Object[].class, 2))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(Map.Entry[].class, 16))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(Line[][].class, 2))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Integer[].class, 1))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Number[].class, 1))).isEqualTo(Status.REJECTED);
        assertThat(filter.checkInput(array(Animal[].class, 0))).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo("array java.lang.Number[] is refused: its element class java.lang.Number"
                + " is not on the allow-list (3 classes)");
    }

    @Test
    void noArrayMayBeLongerThanTheMessage() {
        AllowListFilter filter = filter(100);

        assertThat(filter.checkInput(array(byte[].class, 100))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(byte[].class, 101))).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo("array byte[] of length 101 is longer than the message (100 bytes) could fill");
    }

    @Test
    void arraysTogetherMayHoldAtMostTwiceTheMessageLength() {
        AllowListFilter filter = filter(100);

        assertThat(filter.checkInput(array(Object[].class, 100))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(Object[].class, 100))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(array(Object[].class, 1))).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo("arrays of 201 elements in all, more than a message of 100 bytes could fill");
    }

    @Test
    void limitsApplyToEveryQuestion() {
        JavaSerializationLimits limits = new JavaSerializationLimits(3, 50, 500, 1000);

        assertThat(new AllowListFilter(LIST, limits, new byte[500]).checkInput(new Info(null, -1, 3, 50, 500))).isEqualTo(Status.ALLOWED);
        assertRejected(limits, new Info(null, -1, 4, 1, 1), "object nesting depth 4 exceeds maxDepth 3");
        assertRejected(limits, new Info(Integer.class, -1, 1, 51, 1), "more than maxReferences 50 objects and references");
        assertRejected(limits, new Info(null, -1, 1, 1, 501), "stream of 501 bytes exceeds maxBytes 500");
    }

    @Test
    void theFirstReasonIsKept() {
        AllowListFilter filter = filter(1000);

        filter.checkInput(classAt(Long.class, 1));
        filter.checkInput(classAt(Short.class, 1));

        assertThat(filter.rejection()).startsWith("class java.lang.Long ");
    }

    private static void assertRejected(JavaSerializationLimits limits, FilterInfo info, String reason) {
        AllowListFilter filter = new AllowListFilter(LIST, limits, new byte[500]);
        assertThat(filter.checkInput(info)).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo(reason);
    }

    private record Info(@Nullable Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
            implements FilterInfo {
    }
}
