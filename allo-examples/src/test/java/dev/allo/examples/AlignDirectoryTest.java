package dev.allo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.allo.examples.quickstart.EngineThreads;
import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README example runs end to end on a tiny checkpoint directory and 64 pairs, and writes the aligned model. */
class AlignDirectoryTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void oneEngineThread() {
        EngineThreads.defaultToOne(); // the tiny model is bound by per-op overhead (EngineThreads)
    }

    @Test
    void alignsAModelDirectoryOnAJsonlFile() throws IOException {
        Path model = dir.resolve("model");
        DecoderConfig config = DecoderConfig.builder().modelType("llama").hiddenSize(16).intermediateSize(32)
                .numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1)
                .vocabSize(TinyTokenizerJson.vocabSize()).build();
        try (DecoderModel random = DecoderModel.random(config, Device.cpu(), 2)) {
            DecoderCheckpoints.save(random, model);
        }
        TinyTokenizerJson.write(model);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            lines.add("{\"prompt\": \"" + i + "+1=\", \"chosen\": \"" + (i + 1) + "\", \"rejected\": \"" + (i + 2)
                    + "\"}");
        }
        Path data = Files.write(dir.resolve("prefs.jsonl"), lines);
        Path out = dir.resolve("run");
        AlignDirectory.main(new String[] {model.toString(), data.toString(), out.toString()});
        assertThat(out.resolve("model/model.safetensors")).isRegularFile();
        assertThat(out.resolve("forget/metrics.jsonl")).isRegularFile();
        assertThat(Files.readAllLines(out.resolve("learn/metrics.jsonl"))).hasSize(2);
    }

    @Test
    void wrongArgumentsSayTheUsage() {
        assertThatThrownBy(() -> AlignDirectory.main(new String[] {"only-one"}))
                .hasMessageContaining("usage: AlignDirectory MODEL_DIR PREFS_JSONL OUTPUT_DIR");
    }
}
