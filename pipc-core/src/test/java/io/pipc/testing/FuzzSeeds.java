package io.pipc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a fuzz test's hand-made seeds where Jazzer looks for them in regression mode:
 * {@code src/test/resources/<package>/<TestClass>Inputs/<method>/<name>}. The seeds are
 * defined in code next to the fuzz test that reads them (its {@code seeds()} method), so that
 * each one says what it is; the files are what the build runs. Inputs the fuzzer found
 * ({@code crash-...}) are committed into the same directories.
 */
public final class FuzzSeeds {

    private FuzzSeeds() {
    }

    /**
     * @param resources the test resources directory, {@code pipc-core/src/test/resources}
     * @param fuzzTest the class holding the fuzz test
     * @param method the fuzz test's method name
     * @param seeds the seeds, by file name
     */
    public static void write(Path resources, Class<?> fuzzTest, String method, Map<String, byte[]> seeds) {
        Path directory = resources.resolve(fuzzTest.getPackageName().replace('.', '/'))
                .resolve(fuzzTest.getSimpleName() + "Inputs").resolve(method);
        try {
            Files.createDirectories(directory);
            for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
                Files.write(directory.resolve(seed.getKey()), seed.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the seeds of " + fuzzTest.getName() + "#" + method, e);
        }
    }
}
