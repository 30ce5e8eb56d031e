package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static AllowListFilter filter(long messageLength) {
        return new AllowListFilter(LIST, JavaSerializationLimits.defaults(), messageLength);
    }

    private static FilterInfo classAt(@Nullable Class<?> type, long depth) {
        return new Info(type, -1, depth, 1, 10);
    }

    private static FilterInfo array(Class<?> type, long length) {
        return new Info(type, length, 1, 1, 10);
    }

    @Test
    void superclassIsAllowedOnlyRightAfterItsSubclass() {
        AllowListFilter filter = filter(1000);

        assertThat(filter.checkInput(classAt(Integer.class, 1))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Number.class, 2))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(null, 2))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Number.class, 1))).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo("class java.lang.Number is not on the allow-list (3 classes);"
                + " add its exact name if messages may carry it");
    }

    @Test
    void superclassChainIsFollowedUpward() {
        AllowListFilter filter = filter(1000);

        assertThat(filter.checkInput(classAt(Dog.class, 1))).isEqualTo(Status.ALLOWED);
        assertThat(filter.checkInput(classAt(Animal.class, 2))).isEqualTo(Status.ALLOWED);
        // Animal is not a superclass of itself: a second Animal right after is a new question.
        assertThat(filter.checkInput(classAt(Animal.class, 1))).isEqualTo(Status.REJECTED);
    }

    @Test
    void unrelatedClassAfterAnAllowedOneIsRefused() {
        AllowListFilter filter = filter(1000);

        filter.checkInput(classAt(Integer.class, 1));

        assertThat(filter.checkInput(classAt(Long.class, 2))).isEqualTo(Status.REJECTED);
        assertThat(filter.checkInput(classAt(Serializable.class, 2))).isEqualTo(Status.REJECTED);
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

        assertThat(new AllowListFilter(LIST, limits, 500).checkInput(new Info(null, -1, 3, 50, 500))).isEqualTo(Status.ALLOWED);
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
        AllowListFilter filter = new AllowListFilter(LIST, limits, 500);
        assertThat(filter.checkInput(info)).isEqualTo(Status.REJECTED);
        assertThat(filter.rejection()).isEqualTo(reason);
    }

    private record Info(@Nullable Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
            implements FilterInfo {
    }
}
