package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.fixtures.tokenizer.TinyTokenizerJson;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.tokenizer.HuggingFaceJsonTokenizer;
import dev.allo.model.SaveOptions;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's stage and final model directories carry the run's tokenizer files and store the weights in the
 * type the input checkpoint had (BF16 in, BF16 out), unless the builder's save options say otherwise.
 */
class PipelineModelExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json");

    @TempDir
    Path dir;

    @Test
    void aBf16CheckpointComesOutAsBf16WithItsTokenizerUnlessF32IsAsked() throws IOException {
        Path tokenizerDir = Files.createDirectories(dir.resolve("tok"));
        TinyTokenizerJson.write(tokenizerDir);
        DecoderConfig config = DecoderConfig.builder().modelType("qwen2").hiddenSize(16).intermediateSize(24)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).tieWordEmbeddings(true)
                .vocabSize(TinyTokenizerJson.vocabSize()).build();
        Path input = dir.resolve("input");
        try (DecoderModel random = DecoderModel.random(config, Device.cpu(), 11)) {
            DecoderCheckpoints.save(random, input, SafetensorsDtype.BF16);
        }
        TrainingConfig oneStep = TrainingConfig.defaults().withLearningRate(1e-2).withBatchSize(2, 2).withEpochs(1)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
        try (HuggingFaceJsonTokenizer tokenizer = HuggingFaceJsonTokenizer.load(tokenizerDir)) {
            for (boolean askF32 : new boolean[] {false, true}) {
                Path run = dir.resolve(askF32 ? "run-f32" : "run-default");
                try (DecoderModel model = DecoderCheckpoints.load(input, Device.cpu())) {
                    var builder = Allo.builder().model(model).tokenizer(tokenizer).data(pairs())
                            .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), oneStep))
                            .outputDirectory(run);
                    if (askF32) {
                        builder.saveOptions(SaveOptions.defaults().withDtype(SaveOptions.WeightDtype.F32));
                    }
                    assertThat(builder.build().run().stages().get("dpo").history()).hasSize(1);
                }
                SafetensorsDtype expected = askF32 ? SafetensorsDtype.F32 : SafetensorsDtype.BF16;
                for (Path model : List.of(run.resolve("model"), run.resolve("dpo/model"))) {
                    assertThat(storedTypes(model)).as("%s", model).containsOnly(expected);
                    assertThat(JSON.readTree(model.resolve("config.json").toFile()).get("torch_dtype").asText())
                            .isEqualTo(askF32 ? "float32" : "bfloat16");
                    for (String name : TOKENIZER_FILES) {
                        assertThat(model.resolve(name)).as("%s", model).isRegularFile();
                    }
                    assertThat(Files.readAllBytes(model.resolve("tokenizer.json")))
                            .isEqualTo(Files.readAllBytes(tokenizerDir.resolve("tokenizer.json")));
                    try (HuggingFaceJsonTokenizer reloaded = HuggingFaceJsonTokenizer.load(model)) {
                        assertThat(reloaded.identity()).isEqualTo(tokenizer.identity());
                    }
                }
            }
        }
    }

    private static Set<SafetensorsDtype> storedTypes(Path checkpoint) {
        try (HfCheckpoint files = HfCheckpoint.open(checkpoint)) {
            return files.names().stream().map(n -> files.info(n).dtype()).collect(Collectors.toSet());
        }
    }

    private static List<PreferenceExample> pairs() {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            out.add(PreferenceExample.of(i + "+1=", "The answer is " + (i + 1), "The answer is " + (i + 2)));
        }
        return out;
    }
}
