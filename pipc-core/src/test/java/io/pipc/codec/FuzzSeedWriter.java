package io.pipc.codec;

import java.nio.file.Path;

import io.pipc.testing.FuzzSeeds;

/**
 * Writes the hand-made seeds of the codec fuzz tests into the test resources (see
 * docs/reliability.md, "Fuzzing"). Run from the repository root after changing a
 * {@code seeds()} method.
 */
final class FuzzSeedWriter {

    private FuzzSeedWriter() {
    }

    public static void main(String[] args) {
        Path resources = Path.of(args.length > 0 ? args[0] : "pipc-core/src/test/resources");
        FuzzSeeds.write(resources, JsonCodecFuzzTest.class, "decodesAnyMessageToAnOrderOrRefusesIt", JsonCodecFuzzTest.seeds());
        FuzzSeeds.write(resources, JavaSerializationCodecFuzzTest.class, "decodesAnyMessageToAnOrderOrRefusesIt",
                JavaSerializationCodecFuzzTest.seeds());
    }
}
