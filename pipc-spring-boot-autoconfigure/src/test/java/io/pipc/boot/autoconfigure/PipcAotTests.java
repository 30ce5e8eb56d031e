package io.pipc.boot.autoconfigure;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.pipc.Pipe;
import io.pipc.Pipes;
import io.pipc.boot.autoconfigure.app.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.integration.autoconfigure.IntegrationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.Compiled;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.integration.channel.QueueChannel;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.javapoet.ClassName;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.support.MessageBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A context with pipes and servers, processed ahead of time as {@code spring-boot:process-aot}
 * does: the generated code compiles, and the context it starts has every pipe open and every
 * server listening, with the values configured when it starts. Boot's Spring Integration
 * auto-configuration is there, as the starter brings it (Spring Integration's own default task
 * scheduler cannot be processed ahead of time). The forked class loader lets the generated code
 * reach the package-private classes it calls, as in a packaged application.
 */
@Timeout(120)
@CompileWithForkedClassLoader
class PipcAotTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path directory;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PipcAutoConfiguration.class, IntegrationAutoConfiguration.class,
                    TaskSchedulingAutoConfiguration.class))
            .withUserConfiguration(Flows.class);

    @Test
    void generatedContextOpensEveryPipeAndServerAndTheirEndpointsWork() {
        process(properties(), (context) -> {
            PipeRegistry registry = context.getBean(PipeRegistry.class);
            assertThat(registry.getPipes()).containsOnlyKeys("orders", "client", "events");
            assertThat(registry.getServers()).containsOnlyKeys("api", "local");

            Pipe ordersPeer = registry.inProcessPeer("orders");
            ordersPeer.write("order 1");
            Message<?> order = context.getBean("ordersIn", QueueChannel.class).receive(WAIT.toMillis());
            assertThat(order).isNotNull().extracting(Message::getPayload).isEqualTo("order 1");
            context.getBean("ordersOut", MessageChannel.class).send(MessageBuilder.withPayload("shipped").build());
            assertThat(ordersPeer.readString(WAIT)).isEqualTo("shipped");

            int port = registry.getServerPort("api");
            assertThat(context.getEnvironment().getProperty("local.pipc.server.api.port", Integer.class)).isEqualTo(port);
            try (Pipe client = Pipes.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                client.write("over tcp");
                assertThat(client.readString(WAIT)).isEqualTo("answered: over tcp");
            }

            MessagingTemplate template = new MessagingTemplate();
            template.setReceiveTimeout(WAIT.toMillis());
            assertThat(template.convertSendAndReceive(context.getBean("clientRequests", MessageChannel.class),
                    "over a unix socket", String.class)).isEqualTo("answered: over a unix socket");
        });
    }

    @Test
    void valuesAreThoseConfiguredWhenTheGeneratedContextStarts() {
        List<String> atBuild = properties("pipc.pipes.orders.max-message-size=1KB");
        List<String> atRun = properties("pipc.pipes.orders.max-message-size=2KB");
        process(atBuild, atRun, (context) -> assertThat(
                context.getBean(RecordingPipeFactory.class).options("orders").maxMessageSize()).isEqualTo(2048));
    }

    @Test
    void entriesOtherThanThoseProcessedFailTheStartSayingWhy() {
        List<String> atRun = new ArrayList<>(properties());
        atRun.add("pipc.pipes.extra.transport=in-process");
        assertThatException().isThrownBy(() -> process(properties(), atRun, (context) -> {
        })).havingRootCause().isInstanceOf(InvalidPipcPropertiesException.class).withMessage(
                "pipc.pipes.extra has no bean 'extraPipe': the application was processed ahead of time (AOT) with other"
                        + " pipc entries, which fixed which entries there are, their channels and whether they are"
                        + " gateways; process it with this configuration, or start it without spring.aot.enabled");
    }

    @Test
    void jsonTypesAreRegisteredForReflection() {
        List<String> withoutJson = properties().stream().filter((property) -> !property.startsWith("pipc.pipes.events."))
                .toList();

        assertThat(RuntimeHintsPredicates.reflection().onType(Order.class)).accepts(hints(properties()))
                .rejects(hints(withoutJson));
    }

    private RuntimeHints hints(List<String> properties) {
        TestGenerationContext generation = new TestGenerationContext();
        this.runner.withPropertyValues(properties.toArray(String[]::new)).prepare((context) -> new ApplicationContextAotGenerator()
                .processAheadOfTime((GenericApplicationContext) context.getSourceApplicationContext(), generation));
        return generation.getRuntimeHints();
    }

    private void process(List<String> properties, Consumer<GenericApplicationContext> started) {
        process(properties, properties, started);
    }

    /**
     * Processes a context with the first properties ahead of time, compiles what that
     * generated, and starts the generated context with the second.
     */
    private void process(List<String> atBuild, List<String> atRun, Consumer<GenericApplicationContext> started) {
        this.runner.withPropertyValues(atBuild.toArray(String[]::new)).prepare((context) -> {
            TestGenerationContext generation = new TestGenerationContext();
            ClassName initializer = new ApplicationContextAotGenerator()
                    .processAheadOfTime((GenericApplicationContext) context.getSourceApplicationContext(), generation);
            generation.writeGeneratedContent();
            TestCompiler.forSystem().with(generation).compile((compiled) -> {
                try (GenericApplicationContext fresh = new GenericApplicationContext()) {
                    TestPropertyValues.of(atRun).applyTo(fresh);
                    initializer(compiled, initializer).initialize(fresh);
                    fresh.refresh();
                    started.accept(fresh);
                }
            });
        });
    }

    @SuppressWarnings("unchecked")
    private static ApplicationContextInitializer<GenericApplicationContext> initializer(Compiled compiled, ClassName name) {
        return compiled.getInstance(ApplicationContextInitializer.class, name.toString());
    }

    private static List<String> properties(String... more) {
        List<String> properties = new ArrayList<>(List.of("pipc.directory=" + directory,
                "pipc.pipes.orders.transport=in-process", "pipc.pipes.orders.codec=string",
                "pipc.pipes.orders.inbound-channel=ordersIn", "pipc.pipes.orders.outbound-channel=ordersOut",
                "pipc.pipes.events.transport=in-process", "pipc.pipes.events.codec=json",
                "pipc.pipes.events.json-type=" + Order.class.getName(),
                "pipc.servers.api.transport=tcp", "pipc.servers.api.port=0", "pipc.servers.api.codec=string",
                "pipc.servers.api.gateway=true", "pipc.servers.api.inbound-channel=requests",
                "pipc.servers.local.transport=unix", "pipc.servers.local.codec=string",
                "pipc.servers.local.gateway=true", "pipc.servers.local.inbound-channel=requests",
                "pipc.pipes.client.transport=unix", "pipc.pipes.client.path=local.sock", "pipc.pipes.client.codec=string",
                "pipc.pipes.client.gateway=true", "pipc.pipes.client.outbound-channel=clientRequests"));
        properties.addAll(List.of(more));
        return properties;
    }

    /** The application's side: a queue for the orders, and a flow that answers every request. */
    @Configuration(proxyBeanMethods = false)
    static class Flows {

        @Bean
        QueueChannel ordersIn() {
            return new QueueChannel();
        }

        @Bean
        IntegrationFlow answers() {
            return IntegrationFlow.from("requests").<String, String>transform((request) -> "answered: " + request).get();
        }

        @Bean
        RecordingPipeFactory pipcPipeFactory() {
            return new RecordingPipeFactory();
        }
    }
}
