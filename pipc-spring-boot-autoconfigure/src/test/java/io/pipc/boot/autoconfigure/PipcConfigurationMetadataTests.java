package io.pipc.boot.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata the build writes lists every property of a pipe and a server
 * entry (which the processor cannot see, as they are map values), with the true defaults; and
 * the property table of {@code docs/spring-boot.md} lists the same properties and defaults.
 */
class PipcConfigurationMetadataTests {

    private final Map<String, JsonNode> properties = readProperties();

    @Test
    void everyPipePropertyIsListed() {
        assertThat(this.properties.keySet())
                .containsAll(expectedNames("pipc.pipes.*.", PipcProperties.PipeEntry.class));
    }

    @Test
    void everyServerPropertyIsListed() {
        assertThat(this.properties.keySet())
                .containsAll(expectedNames("pipc.servers.*.", PipcProperties.ServerEntry.class));
    }

    @Test
    void everyListedEntryPropertyExistsAndIsDescribed() {
        List<String> expected = new ArrayList<>(expectedNames("pipc.pipes.*.", PipcProperties.PipeEntry.class));
        expected.addAll(expectedNames("pipc.servers.*.", PipcProperties.ServerEntry.class));
        this.properties.forEach((name, property) -> {
            if (name.contains(".*.")) {
                assertThat(expected).as("listed property %s", name).contains(name);
                assertThat(property.path("description").asString()).as("description of %s", name).isNotBlank();
            }
        });
    }

    @Test
    void listedDefaultsAreTheRealDefaults() {
        assertDefaults("pipc.pipes.*.", PipcProperties.PipeEntry.class);
        assertDefaults("pipc.servers.*.", PipcProperties.ServerEntry.class);
    }

    @Test
    void kindsHaveValueHints() throws IOException {
        JsonNode metadata = read();
        List<String> hinted = new ArrayList<>();
        metadata.path("hints").forEach((hint) -> hinted.add(hint.path("name").asString()));

        assertThat(hinted).contains("pipc.pipes.*.transport", "pipc.pipes.*.mode", "pipc.pipes.*.codec",
                "pipc.pipes.*.wire", "pipc.servers.*.transport", "pipc.servers.*.codec", "pipc.servers.*.wire");
    }

    @Test
    void theTableOfDocsSpringBootListsExactlyThePropertiesOfTheMetadata() throws IOException {
        assertThat(documentedProperties().keySet()).containsExactlyInAnyOrderElementsOf(this.properties.keySet());
    }

    @Test
    void theTableOfDocsSpringBootGivesTheDefaultOfTheMetadata() throws IOException {
        Map<String, String> documented = documentedProperties();
        this.properties.forEach((name, property) -> {
            if (property.has("defaultValue")) {
                String value = property.path("defaultValue").asString();
                assertThat(documented.get(name)).as("default of %s in docs/spring-boot.md", name)
                        .contains("`" + value + "`");
            }
        });
    }

    @Test
    void theReadmeCarriesTheSameTableRowForRow() throws IOException {
        assertThat(tableRows(Path.of("..", "README.md"))).isNotEmpty()
                .containsExactlyElementsOf(tableRows(Path.of("..", "docs", "spring-boot.md")));
    }

    private static List<String> tableRows(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter((line) -> line.startsWith("| `pipc.")).toList();
    }

    /**
     * @return the rows of the property table of docs/spring-boot.md: the property (with
     *         {@code <name>} as the metadata's {@code *}) and its default cell
     */
    private static Map<String, String> documentedProperties() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : tableRows(Path.of("..", "docs", "spring-boot.md"))) {
            if (line.startsWith("| `pipc.")) {
                String[] cells = line.split("\\|");
                String name = cells[1].strip().replace("`", "").replace("<name>", "*");
                assertThat(documented.put(name, cells[2].strip())).as("%s listed once", name).isNull();
            }
        }
        return documented;
    }

    private void assertDefaults(String prefix, Class<? extends PipcProperties.Entry> type) {
        Object fresh = BeanUtils.instantiateClass(type);
        this.properties.forEach((name, property) -> {
            if (name.startsWith(prefix) && property.has("defaultValue")) {
                String path = name.substring(prefix.length());
                Object bound = new Binder(new MapConfigurationPropertySource(
                        Map.of("entry." + path, property.path("defaultValue").asString())))
                        .bind("entry", type).get();
                Object expected = new BeanWrapperImpl(fresh).getPropertyValue(camelCase(path));
                assertThat(new BeanWrapperImpl(bound).getPropertyValue(camelCase(path))).as("default of %s", name)
                        .isEqualTo(expected);
            }
        });
    }

    private static List<String> expectedNames(String prefix, Class<?> type) {
        List<String> names = new ArrayList<>();
        for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
            if (descriptor.getName().equals("class")) {
                continue;
            }
            if (descriptor.getWriteMethod() == null) {
                for (PropertyDescriptor nested : BeanUtils.getPropertyDescriptors(descriptor.getPropertyType())) {
                    if (nested.getWriteMethod() != null) {
                        names.add(prefix + kebabCase(descriptor.getName()) + "." + kebabCase(nested.getName()));
                    }
                }
            }
            else {
                names.add(prefix + kebabCase(descriptor.getName()));
            }
        }
        return names;
    }

    private static String kebabCase(String name) {
        return name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static String camelCase(String path) {
        StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (char c : path.toCharArray()) {
            if (c == '-') {
                upper = true;
            }
            else {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return camel.toString();
    }

    private static Map<String, JsonNode> readProperties() {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        try {
            read().path("properties").forEach((property) -> properties.put(property.path("name").asString(), property));
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return properties;
    }

    private static JsonNode read() throws IOException {
        try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
            return JsonMapper.builder().build().readTree(in);
        }
    }
}
