package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.fixtures.ila.ReferenceLora;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.io.SafetensorsFile;
import dev.allo.impl.lora.LoraNames;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.HalfFormat;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stages with LoraSettings: adapters trained over the frozen model, exported in PEFT's layout and merged. */
class LoraStagePipelineTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();

    @TempDir
    Path dir;

    /** A tiny model read back from a BF16 checkpoint, so its weights are BF16 values (as a real checkpoint's). */
    private DecoderModel bf16Model(long seed) {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(32).intermediateSize(64).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        Path ckpt = dir.resolve("base-" + seed);
        try (DecoderModel random = DecoderModel.random(config, Device.cpu(), seed)) {
            DecoderCheckpoints.save(random, ckpt, SafetensorsDtype.BF16, Long.MAX_VALUE, Map.of());
        }
        return DecoderCheckpoints.load(ckpt, Device.cpu());
    }

    private static List<PreferenceExample> pairs() {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int a = i % 7 + 1;
            int b = i % 5 + 2;
            out.add(PreferenceExample.of(a + "+" + b + "=", "The answer is " + (a + b),
                    "The answer is " + (a + b + 1)));
        }
        return out;
    }

    private static TrainingConfig training() {
        return TrainingConfig.defaults().withLearningRate(2e-2).withBatchSize(4, 2).withEpochs(1)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0.0);
    }

    private static Map<String, double[]> doubles(DecoderModel model) {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            model.weights(m).forEach((name, w) -> {
                float[] f = w.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                out.put(name, d);
            });
        }
        return out;
    }

    private static Map<String, double[]> readDoubles(Path file) {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file); NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> e : f.readAll(m).entrySet()) {
                float[] v = e.getValue().toFloatArray();
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    d[i] = v[i];
                }
                out.put(e.getKey(), d);
            }
        }
        return out;
    }

    @Test
    void everyPreferenceStageTrainsAdaptersOverABf16BaseAndExportsPeftAndMergedCheckpoints() {
        LoraSettings lora = new LoraSettings(2, 8, 0.0, List.of("q_proj", "v_proj"), LoraSettings.BaseStorage.BF16);
        try (DecoderModel model = bf16Model(3)) {
            Map<String, double[]> start = doubles(model);
            AlignmentResult result = Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("sft", new ObjectiveConfig.Sft(), training()).withLora(lora))
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training()).withLora(lora))
                    .stage(StageConfig.of("npo", ObjectiveConfig.Npo.defaults(), training()).withLora(lora))
                    .outputDirectory(dir.resolve("run")).build().run();
            assertThat(result.stages().keySet()).containsExactly("sft", "dpo", "npo");
            assertThat(model.parameters()).as("the base stays in 16 bits").isEmpty();
            assertThat(model.halfWeights().values()).containsOnly(HalfFormat.BF16);
            Map<String, double[]> previous = start;
            for (String stage : List.of("sft", "dpo", "npo")) {
                Path adapter = dir.resolve("run").resolve(stage).resolve("adapter");
                assertThat(adapter.resolve("adapter_config.json")).isRegularFile();
                Map<String, double[]> adapters = readDoubles(adapter.resolve("adapter_model.safetensors"));
                assertThat(adapters.keySet()).hasSize(8).contains(
                        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                        "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
                Map<String, double[]> merged = readDoubles(dir.resolve("run").resolve(stage).resolve("model")
                        .resolve("model.safetensors"));
                for (String name : model.weightNames()) {
                    boolean target = name.endsWith("q_proj.weight") || name.endsWith("v_proj.weight");
                    if (!target) {
                        assertThat(merged.get(name)).as("%s %s unchanged", stage, name)
                                .containsExactly(start.get(name));
                        continue;
                    }
                    double[] a = adapters.get(LoraNames.loraA(name));
                    double[] b = adapters.get(LoraNames.loraB(name));
                    int out = b.length / 2;
                    int in = a.length / 2;
                    double[] expected = ReferenceLora.effective(previous.get(name), a, b, out, in, 2, 8);
                    for (int i = 0; i < expected.length; i++) {
                        // the merged model is stored as BF16, as loaded: within half a BF16 unit (2^-8 relative)
                        assertThat(Math.abs(merged.get(name)[i] - expected[i]))
                                .as("%s %s [%d]", stage, name, i).isLessThanOrEqualTo(
                                        Math.abs(expected[i]) * 0x1p-8 + 1e-6);
                    }
                    assertThat(merged.get(name)).as("%s %s moved", stage, name).isNotEqualTo(previous.get(name));
                }
                previous = merged;
            }
            Map<String, double[]> last = previous;
            assertThat(doubles(model)).as("the run's model is the last merged checkpoint")
                    .hasSameSizeAs(last).allSatisfy((name, w) -> assertThat(w).as(name).containsExactly(last.get(name)));
        }
    }

    @Test
    void float32BaseMergesExactlyAsBasePlusScaledProductAgainstTheDoubleReference() {
        LoraSettings lora = LoraSettings.of(4, 8, List.of(LoraSettings.ALL_LINEAR));
        try (DecoderModel model = bf16Model(5)) {
            Map<String, double[]> start = doubles(model);
            Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("dpo", ObjectiveConfig.Dpo.defaults(), training()).withLora(lora))
                    .outputDirectory(dir.resolve("f32")).saveOptions(dev.allo.model.SaveOptions.defaults()
                            .withDtype(dev.allo.model.SaveOptions.WeightDtype.F32))
                    .build().run();
            Map<String, double[]> adapters = readDoubles(dir.resolve("f32/dpo/adapter/adapter_model.safetensors"));
            // the adapted matrices stay float32 (the run holds only what no stage changes in 16 bits: here, BF16 in,
            // the embedding, the norms and the head)
            assertThat(model.halfWeights()).isNotEmpty().allSatisfy((name, format) ->
                    assertThat(adapters).doesNotContainKey(LoraNames.loraA(name)));
            Map<String, double[]> now = doubles(model);
            int targets = 0;
            for (String name : model.weightNames()) {
                if (!adapters.containsKey(LoraNames.loraA(name))) {
                    assertThat(now.get(name)).as(name).containsExactly(start.get(name));
                    continue;
                }
                targets++;
                double[] a = adapters.get(LoraNames.loraA(name));
                double[] b = adapters.get(LoraNames.loraB(name));
                int in = a.length / 4;
                int out = b.length / 4;
                double[] expected = ReferenceLora.effective(start.get(name), a, b, out, in, 4, 8);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(Math.abs(now.get(name)[i] - expected[i])).as("%s [%d]", name, i)
                            .isLessThanOrEqualTo(1e-6 * (1 + Math.abs(expected[i])));
                }
            }
            assertThat(targets).isEqualTo(14); // 7 linear modules x 2 layers
        }
    }

    @Test
    void aWeightTrainingStageAfterA16BitBaseIsRefusedBeforeAnythingRuns() {
        try (DecoderModel model = bf16Model(7)) {
            LoraSettings lora = LoraSettings.of(2, 4, List.of("q_proj")).withBaseStorage(LoraSettings.BaseStorage.F16);
            assertThatThrownBy(() -> Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs())
                    .stage(StageConfig.of("first", ObjectiveConfig.Dpo.defaults(), training()).withLora(lora))
                    .stage(StageConfig.of("second", ObjectiveConfig.Dpo.defaults(), training()))
                    .outputDirectory(dir.resolve("bad")).build().run())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 'second'")
                    .hasMessageContaining("'first'").hasMessageContaining("baseStorage FLOAT32");
            assertThat(model.halfWeights()).isEmpty();
            assertThat(dir.resolve("bad")).doesNotExist();
        }
    }
}
