package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllowListTest {

    @Test
    void javaSerializationCannotBeMadeWithoutAnAllowList() {
        assertThatThrownBy(() -> Codecs.javaSerialization(Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-empty allow-list");
        assertThatThrownBy(() -> Codecs.javaSerialization(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("allowedClassNames");
        Set<String> withNull = new HashSet<>();
        withNull.add(null);
        assertThatThrownBy(() -> Codecs.javaSerialization(withNull)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"com.foo.*", "com.foo.**", "*", "com.foo.Bar*", "java.lang.*"})
    void wildcardsAndPackagePatternsAreRefused(String pattern) {
        assertThatThrownBy(() -> Codecs.javaSerialization(Set.of("com.foo.Order", pattern)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("allowed class name '" + pattern + "' is a pattern; wildcards and packages are not allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"!com.foo.Bar", "maxdepth=5", "com.foo.Bar;com.foo.Baz", "java.base/java.lang.Integer"})
    void filterSyntaxIsRefused(String syntax) {
        assertThatThrownBy(() -> Codecs.javaSerialization(Set.of(syntax)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is filter syntax");
    }

    @Test
    void arrayDescriptorsAreRefused() {
        assertThatThrownBy(() -> Codecs.javaSerialization(Set.of("[Ljava.lang.String;")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("list the element class instead");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " com.foo.Bar", "com.foo.", ".Bar", "com..Bar", "com.foo.Bar ", "1com.Bar", "com.foo-bar.Baz"})
    void malformedNamesAreRefused(String name) {
        assertThatThrownBy(() -> Codecs.javaSerialization(Set.of(name)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a class name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Order", "com.example.Order", "com.example.Order$Line", "com.example.Outer$1", "é.Ünïcode_$"})
    void binaryClassNamesAreAccepted(String name) {
        AllowList list = AllowList.of(Set.of(name));

        assertThat(list.allows(name)).isTrue();
        assertThat(list.size()).isEqualTo(1);
    }

    @Test
    void matchingIsExact() {
        AllowList list = AllowList.of(Set.of("com.example.Order", "com.example"));

        assertThat(list.allows("com.example.Order")).isTrue();
        assertThat(list.allows("com.example.OrderLine")).isFalse();
        assertThat(list.allows("com.example.Order$Line")).isFalse();
        assertThat(list.allows("com.example.order")).isFalse();
        // A package name is only a name: it matches no class inside it.
        assertThat(list.allows("com.example.Other")).isFalse();
    }

    @Test
    void theListIsCopied() {
        Set<String> names = new HashSet<>(Set.of("com.example.Order"));
        AllowList list = AllowList.of(names);

        names.add("com.example.Gadget");

        assertThat(list.allows("com.example.Gadget")).isFalse();
    }
}
