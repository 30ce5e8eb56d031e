package io.pipc.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example in the top-level README.md compiles, against the real pipc, Spring and
 * Spring Integration jars. A block that declares a type is compiled as it is; a block that
 * declares a method goes into a class; anything else is the body of a method.
 */
class ReadmeExamplesTests {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TYPE = Pattern.compile("^(?:public\\s+)?(?:final\\s+)?(?:class|interface|record|enum)\\s+(\\w+)",
            Pattern.MULTILINE);
    private static final Pattern METHOD = Pattern.compile("^[\\w<>\\[\\], ]+\\s+\\w+\\([^)]*\\)\\s*(?:throws [\\w, ]+)?\\s*\\{");
    private static final String IMPORTS = """
            package readme;

            import io.pipc.*;
            import io.pipc.codec.*;
            import io.pipc.integration.dsl.Pipc;
            import java.net.*;
            import java.time.*;
            import java.util.*;
            import javax.net.ssl.SSLContext;
            import org.springframework.amqp.core.AmqpTemplate;
            import org.springframework.amqp.rabbit.connection.ConnectionFactory;
            import org.springframework.beans.factory.annotation.Qualifier;
            import org.springframework.context.annotation.*;
            import org.springframework.integration.amqp.dsl.Amqp;
            import org.springframework.integration.annotation.ServiceActivator;
            import org.springframework.integration.dsl.IntegrationFlow;
            import org.springframework.stereotype.*;

            """;

    @TempDir
    Path sources;

    @Test
    void everyJavaExampleInTheReadmeCompiles() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        Matcher block = JAVA_BLOCK.matcher(readme);
        int n = 0;
        while (block.find()) {
            files.add(write(++n, block.group(1)));
        }
        assertThat(n).as("Java examples found in README.md").isGreaterThanOrEqualTo(12);

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager fileManager = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
        StringWriter output = new StringWriter();
        boolean compiled = compiler.getTask(output, fileManager, diagnostics,
                List.of("-classpath", System.getProperty("java.class.path"), "-d", sources.resolve("classes").toString(),
                        "-proc:none", "-Xlint:none"),
                null, fileManager.getJavaFileObjectsFromPaths(files)).call();

        StringBuilder report = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR) {
                report.append(diagnostic.getSource().getName()).append(':').append(diagnostic.getLineNumber()).append(": ")
                        .append(diagnostic.getMessage(Locale.ROOT)).append('\n');
            }
        }
        assertThat(compiled).as("README examples compile; errors:\n%s%s", report, output).isTrue();
    }

    private Path write(int n, String code) throws IOException {
        String trimmed = code.strip();
        Matcher type = TYPE.matcher(trimmed);
        String source;
        String name;
        if (trimmed.startsWith("@") || type.lookingAt()) {
            name = type.reset().find() ? type.group(1) : "Example" + n;
            source = IMPORTS + code;
        } else if (METHOD.matcher(trimmed).lookingAt()) {
            name = "Example" + n;
            source = IMPORTS + "class " + name + " {\n" + code + "\n}\n";
        } else {
            name = "Example" + n;
            source = IMPORTS + "class " + name + " {\n    void example() throws Exception {\n" + code + "\n    }\n}\n";
        }
        Path file = sources.resolve("readme").resolve(name + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        return file;
    }
}
