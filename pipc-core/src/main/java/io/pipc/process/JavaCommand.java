package io.pipc.process;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The command line of a child JVM that runs a main class with this JVM's classpath:
 * {@code <java.home>/bin/java -cp <java.class.path> [jvm options] MainClass [args]}.
 *
 * <p>Nothing else of the parent's command line is passed on: flags such as a debugger agent
 * on a fixed port or a large heap would be wrong twice over; give what the child needs as JVM
 * options. On HotSpot the child's unified JVM logging is sent to stderr, where by default it
 * would go to stdout, the pipe: a JVM warning there would corrupt the wire before the first
 * message. A later {@code -Xlog} option that names stdout brings that risk back.
 */
public final class JavaCommand {

    private JavaCommand() {
    }

    /**
     * @param mainClass a class with {@code public static void main(String[])}
     * @param jvmOptions options for the child JVM, such as {@code -Xmx64m}
     * @param args the arguments of {@code main}
     * @return a builder for the command; its redirects are left as they are
     * @throws IllegalArgumentException when the class has no such main method, or cannot be named on a command line
     */
    public static ProcessBuilder of(Class<?> mainClass, List<String> jvmOptions, List<String> args) {
        Objects.requireNonNull(mainClass, "mainClass");
        checkMain(mainClass);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!System.getProperty("java.vm.name", "").contains("OpenJ9")) {
            command.add("-Xlog:disable");
            command.add("-Xlog:all=warning:stderr:uptime,level,tags");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        for (String option : jvmOptions) {
            command.add(Objects.requireNonNull(option, "a JVM option is null"));
        }
        command.add(mainClass.getName());
        for (String arg : args) {
            command.add(Objects.requireNonNull(arg, "an argument is null"));
        }
        return new ProcessBuilder(command);
    }

    private static void checkMain(Class<?> mainClass) {
        if (mainClass.isAnonymousClass() || mainClass.isLocalClass() || mainClass.isHidden()
                || mainClass.isArray() || mainClass.isPrimitive()) {
            throw new IllegalArgumentException(mainClass + " cannot be started as a child JVM's main class:"
                    + " use a top-level or static nested class");
        }
        Method main;
        try {
            main = mainClass.getMethod("main", String[].class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(mainClass.getName() + " has no public static void main(String[])"
                    + " to start in a child JVM", e);
        }
        if (!Modifier.isStatic(main.getModifiers()) || main.getReturnType() != void.class) {
            throw new IllegalArgumentException(mainClass.getName() + ".main(String[]) must be public static void"
                    + " to start in a child JVM");
        }
    }
}
