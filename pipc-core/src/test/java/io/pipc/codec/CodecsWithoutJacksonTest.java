package io.pipc.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jackson is an optional dependency: loads {@link Codecs} in a class loader that sees the whole
 * test classpath except the {@code tools.jackson} packages, as an application without Jackson would.
 */
class CodecsWithoutJacksonTest {

    private JacksonHidingClassLoader loader;
    private Class<?> codecs;
    private Method encode;
    private Method decode;

    @BeforeEach
    void loadCodecsWithoutJackson() throws Exception {
        loader = new JacksonHidingClassLoader(testClasspath());
        codecs = Class.forName(Codecs.class.getName(), true, loader);
        Class<?> codec = loader.loadClass("io.pipc.Codec");
        encode = codec.getMethod("encode", Object.class);
        decode = codec.getMethod("decode", byte[].class);
    }

    @AfterEach
    void closeLoader() throws IOException {
        loader.close();
    }

    @Test
    void jacksonIsReallyHiddenAndCodecsComeFromTheHidingLoader() {
        assertThat(codecs.getClassLoader()).isSameAs(loader);
        assertThatThrownBy(() -> loader.loadClass("tools.jackson.databind.json.JsonMapper"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(loader.getResource("tools/jackson/databind/json/JsonMapper.class")).isNull();
    }

    @Test
    void bytesStringAndJavaSerializationWorkWithoutJackson() throws Exception {
        Object bytes = codecs.getMethod("bytes").invoke(null);
        Object string = codecs.getMethod("string").invoke(null);
        Object serialization = codecs.getMethod("javaSerialization", Set.class).invoke(null, Set.of("java.lang.Integer"));

        assertThat(decode.invoke(bytes, encode.invoke(bytes, new byte[] {1, 2}))).isEqualTo(new byte[] {1, 2});
        assertThat(encode.invoke(string, "h\u00e9llo")).isEqualTo("h\u00e9llo".getBytes(StandardCharsets.UTF_8));
        assertThat(decode.invoke(serialization, encode.invoke(serialization, 42))).isEqualTo(42);
    }

    @Test
    void jsonSaysWhichDependencyToAdd() throws Exception {
        Method json = codecs.getMethod("json", Class.class);

        assertThatThrownBy(() -> invoke(json, String.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Jackson 3")
                .hasMessageContaining("tools.jackson.core:jackson-databind");
        Object limits = loader.loadClass(JsonLimits.class.getName()).getMethod("defaults").invoke(null);
        Method jsonWithLimits = codecs.getMethod("json", Class.class, limits.getClass());
        assertThatThrownBy(() -> invoke(jsonWithLimits, String.class, limits))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tools.jackson.core:jackson-databind");
    }

    private static @Nullable Object invoke(Method method, Object... args) throws Throwable {
        try {
            return method.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static URL[] testClasspath() throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        // Guard against a classpath that would make this test pass vacuously.
        assertThat(urls).anySatisfy(url -> assertThat(url.getPath()).contains("jackson-databind"));
        return urls.toArray(new URL[0]);
    }

    /** Everything on the given classpath except Jackson 3, with only the JDK behind it. */
    private static final class JacksonHidingClassLoader extends URLClassLoader {

        private static final String HIDDEN_CLASSES = "tools.jackson.";
        private static final String HIDDEN_RESOURCES = "tools/jackson/";

        JacksonHidingClassLoader(URL[] classpath) {
            super("without-jackson", classpath, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith(HIDDEN_CLASSES)) {
                throw new ClassNotFoundException(name + " is hidden by this test");
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public @Nullable URL findResource(String name) {
            return name.startsWith(HIDDEN_RESOURCES) ? null : super.findResource(name);
        }

        @Override
        public Enumeration<URL> findResources(String name) throws IOException {
            return name.startsWith(HIDDEN_RESOURCES) ? java.util.Collections.emptyEnumeration() : super.findResources(name);
        }
    }
}
