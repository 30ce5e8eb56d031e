package io.pipc.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Every Java example in the top-level README.md compiles, against the real pipc, Spring and
 * Spring Integration jars. A block that declares a type (or starts with its imports) is compiled
 * as it is; a block that declares a method goes into a class; anything else is the body of a
 * method. And the README's test of its Spring Boot example passes: its YAML, its handlers and
 * its test, as written there.
 */
class ReadmeExamplesTests {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    /** The application around the README's Spring Boot example: its two components, and nothing else of the README. */
    private static final String APPLICATION = """
            package readme;

            import org.springframework.boot.SpringBootConfiguration;
            import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
            import org.springframework.context.annotation.Import;

            @SpringBootConfiguration
            @EnableAutoConfiguration
            @Import({ Handlers.class, Notifier.class })
            class ReadmeApplication {
            }
            """;
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
        assertThat(compileReadme()).isDirectory();
    }

    @Test
    @Timeout(120)
    void theReadmesTestOfItsSpringBootExamplePasses() throws Exception {
        Path classes = compileReadme();
        Path configuration = sources.resolve("application.yml");
        Files.writeString(configuration, block(YAML_BLOCK, "inbound-channel: apiIn"));
        TestExecutionSummary summary;
        ClassLoader test = Thread.currentThread().getContextClassLoader();
        String location = System.getProperty("spring.config.location");
        try (URLClassLoader readme = new URLClassLoader(new URL[] { classes.toUri().toURL() }, test)) {
            // Only the README's configuration: not the sample's application.yml, which is on this classpath too.
            System.setProperty("spring.config.location", configuration.toUri().toString());
            Thread.currentThread().setContextClassLoader(readme);
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectClass(readme.loadClass("readme.HandlersTests"))).build(), listener);
            summary = listener.getSummary();
        } finally {
            Thread.currentThread().setContextClassLoader(test);
            if (location == null) {
                System.clearProperty("spring.config.location");
            } else {
                System.setProperty("spring.config.location", location);
            }
        }

        StringWriter failures = new StringWriter();
        summary.printFailuresTo(new PrintWriter(failures), 20);
        assertThat(summary.getTestsFoundCount()).as("tests in the README's HandlersTests").isEqualTo(2);
        assertThat(summary.getTestsSucceededCount()).as("the README's tests that passed; failures:%n%s", failures).isEqualTo(2);
    }

    /** Compiles every Java block of the README, and the application around its Spring Boot example. */
    private Path compileReadme() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        Matcher block = JAVA_BLOCK.matcher(readme);
        int n = 0;
        while (block.find()) {
            files.add(write(++n, block.group(1)));
        }
        assertThat(n).as("Java examples found in README.md").isGreaterThanOrEqualTo(12);
        Path application = sources.resolve("readme").resolve("ReadmeApplication.java");
        Files.writeString(application, APPLICATION);
        files.add(application);

        Path classes = sources.resolve("classes");
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager fileManager = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
        StringWriter output = new StringWriter();
        boolean compiled = compiler.getTask(output, fileManager, diagnostics,
                List.of("-classpath", System.getProperty("java.class.path"), "-d", classes.toString(),
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
        return classes;
    }

    /** @return the one block of the README that contains {@code marker} */
    private static String block(Pattern kind, String marker) throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        List<String> found = new ArrayList<>();
        Matcher block = kind.matcher(readme);
        while (block.find()) {
            if (block.group(1).contains(marker)) {
                found.add(block.group(1));
            }
        }
        assertThat(found).as("README blocks containing '%s'", marker).hasSize(1);
        return found.get(0);
    }

    private Path write(int n, String code) throws IOException {
        String trimmed = code.strip();
        Matcher type = TYPE.matcher(trimmed);
        String source;
        String name;
        if (trimmed.startsWith("@") || trimmed.startsWith("import ") || type.lookingAt()) {
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
