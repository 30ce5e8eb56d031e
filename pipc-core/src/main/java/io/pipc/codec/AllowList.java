package io.pipc.codec;

import java.util.Objects;
import java.util.Set;

/**
 * The exact binary class names ({@link Class#getName()}, {@code $} for nested classes) that a
 * Java serialization codec may create. Only names: no wildcards, no packages, no module
 * prefixes, no array descriptors, no JDK filter syntax. Anything that is not a plain class
 * name is refused when the codec is made, because a pattern here would quietly widen what a
 * peer may instantiate.
 */
final class AllowList {

    private final Set<String> names;

    private AllowList(Set<String> names) {
        this.names = names;
    }

    /**
     * @param classNames exact binary class names, at least one
     * @return the allow-list
     * @throws IllegalArgumentException when the set is empty or a name is not a plain class name
     * @throws NullPointerException when the set or a name is null
     */
    static AllowList of(Set<String> classNames) {
        Objects.requireNonNull(classNames, "allowedClassNames");
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("Java serialization needs a non-empty allow-list of the exact class names"
                    + " a message may contain (for example com.example.Order); an empty list would allow nothing");
        }
        for (String name : classNames) {
            check(Objects.requireNonNull(name, "allowed class name"));
        }
        return new AllowList(Set.copyOf(classNames));
    }

    boolean allows(String className) {
        return names.contains(className);
    }

    int size() {
        return names.size();
    }

    private static void check(String name) {
        if (name.startsWith("[")) {
            throw refused(name, "is an array descriptor; list the element class instead, arrays follow their element type");
        }
        if (name.contains("*")) {
            throw refused(name, "is a pattern; wildcards and packages are not allowed, list every class by its exact name");
        }
        if (name.startsWith("!") || name.contains("=") || name.contains(";") || name.contains("/")) {
            throw refused(name, "is filter syntax; the allow-list takes exact class names only");
        }
        if (!isBinaryClassName(name)) {
            throw refused(name, "is not a class name");
        }
    }

    private static boolean isBinaryClassName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (String segment : name.split("\\.", -1)) {
            if (segment.isEmpty() || !Character.isJavaIdentifierStart(segment.codePointAt(0))
                    || !segment.codePoints().allMatch(Character::isJavaIdentifierPart)) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException refused(String name, String why) {
        return new IllegalArgumentException("allowed class name '" + name + "' " + why
                + " (as Class.getName() gives it, for example com.example.Order or com.example.Order$Line)");
    }

    @Override
    public String toString() {
        return names.size() == 1 ? "1 class" : names.size() + " classes";
    }
}
