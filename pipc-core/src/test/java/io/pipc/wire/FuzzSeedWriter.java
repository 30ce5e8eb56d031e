package io.pipc.wire;

import java.nio.file.Path;

import io.pipc.testing.FuzzSeeds;

/**
 * Writes the hand-made seeds of the wire fuzz tests into the test resources (see
 * docs/reliability.md, "Fuzzing"). Run from the repository root after changing a
 * {@code seeds()} method.
 */
final class FuzzSeedWriter {

    private FuzzSeedWriter() {
    }

    public static void main(String[] args) {
        Path resources = Path.of(args.length > 0 ? args[0] : "pipc-core/src/test/resources");
        FuzzSeeds.write(resources, NativeFrameDecoderFuzzTest.class, "decodesAnyStreamInAnyChunksAsItDecodesItWhole",
                NativeFrameDecoderFuzzTest.seeds());
        FuzzSeeds.write(resources, NativeHandshakeFuzzTest.class, "refusesOrCompletesOnAnyPeerStreamInAnyChunks",
                NativeHandshakeFuzzTest.peerStreamSeeds());
        FuzzSeeds.write(resources, NativeHandshakeFuzzTest.class, "twoEndsCompleteOnlyWithTheSameSecretAndUnchangedBytes",
                NativeHandshakeFuzzTest.pairSeeds());
        FuzzSeeds.write(resources, PythonFrameDecoderFuzzTest.class, "decodesAnyStreamInAnyChunksAsItDecodesItWhole",
                PythonFrameDecoderFuzzTest.seeds());
        FuzzSeeds.write(resources, PythonHandshakeFuzzTest.class, "refusesOrCompletesOnAnyPeerStreamInAnyChunks",
                PythonHandshakeFuzzTest.peerStreamSeeds());
        FuzzSeeds.write(resources, PythonHandshakeFuzzTest.class, "twoEndsCompleteOnlyWithTheSameAuthkeyAndUnchangedBytes",
                PythonHandshakeFuzzTest.pairSeeds());
    }
}
