package dev.allo.impl.model;

import static dev.allo.impl.NamedTensors.weightBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.allo.data.TokenizedPair;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.lora.LoraTestSupport;
import dev.allo.impl.optim.SparseAdamW;
import dev.allo.impl.train.StageTrainer;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.ObjectiveConfig;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.AdamWConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.train.LoopConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights held in 16 bits (DecoderModel.storeInHalf): the same logits as float32 storage when the weights are
 * representable, bit-identical frozen weights after training, LoRA over a 16-bit base, saving, and the errors.
 */
class HalfStorageTest {
    private static final DecoderConfig CONFIG = DecoderConfig.builder().hiddenSize(16).intermediateSize(24)
            .numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(1).vocabSize(ByteTokenizer.VOCAB_SIZE)
            .initializerRange(0.05).build();
    private static final DecoderConfig TIED = DecoderConfig.builder().hiddenSize(16).intermediateSize(24)
            .numHiddenLayers(2).numAttentionHeads(2).numKeyValueHeads(2).vocabSize(ByteTokenizer.VOCAB_SIZE)
            .initializerRange(0.05).tieWordEmbeddings(true).build();

    @TempDir
    Path tmp;

    /**
     * A random model whose weights are BF16 values with |x| zero or in [2^-14, 1), so exact in both 16-bit formats
     * (as a BF16 checkpoint's weights are in BF16).
     */
    private static DecoderModel representable(DecoderConfig config, long seed) {
        try (DecoderModel random = DecoderModel.random(config, Device.cpu(), seed);
                NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            random.parameters().forEach((name, p) -> {
                float[] v = p.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    float x = v[i] + (p.getShape().dimension() == 1 ? 0.01f * i : 0f); // norms not all equal
                    x = Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xFFFF_0000); // a BF16 value
                    v[i] = Math.abs(x) < 0x1p-14f ? 0f : x;
                }
                tensors.put(name, m.create(v, p.getShape()));
            });
            return DecoderModel.fromTensors(config, tensors, Device.cpu());
        }
    }

    private static NDArray ids(NDManager m) {
        return m.create(new long[] {1, 5, 9, 2, 7, 3, 3, 1}, new Shape(2, 4));
    }

    private static float[] logits(CausalLm model, NDManager m) {
        return model.forward(ids(m), m.create(new float[] {0, 1, 1, 1, 1, 1, 1, 1}, new Shape(2, 4)))
                .toFloatArray(); // left padding in the first row
    }

    @Test
    void logitsEqualFloat32StorageExactlyForEverySplitAndFormat() {
        for (DecoderConfig config : List.of(CONFIG, TIED)) {
            try (DecoderModel full = representable(config, 7); NDManager m = NDManager.newBaseManager()) {
                float[] expected = logits(full, m);
                List<Set<String>> splits = List.of(Set.copyOf(full.weightNames()),
                        Set.of(DecoderNames.EMBED_TOKENS, DecoderNames.FINAL_NORM),
                        Set.of(DecoderNames.qProj(1), DecoderNames.downProj(1), DecoderNames.inputLayerNorm(0)));
                for (HalfFormat format : List.of(HalfFormat.BF16, HalfFormat.F16)) {
                    for (Set<String> split : splits) {
                        try (DecoderModel half = full.copy()) {
                            half.storeInHalf(split, format);
                            assertThat(half.halfWeights()).hasSize(split.size()).containsOnlyKeys(split);
                            assertThat(half.parameters().keySet()).doesNotContainAnyElementsOf(split)
                                    .hasSize(full.parameters().size() - split.size());
                            assertThat(logits(half, m)).as("%s %s", format, split).isEqualTo(expected);
                            assertThat(weightBits(half)).as("%s %s", format, split)
                                    .containsExactlyEntriesOf(weightBits(full));
                            try (DecoderModel copy = half.copy()) { // copies keep the 16-bit weights
                                assertThat(copy.halfWeights()).isEqualTo(half.halfWeights());
                                assertThat(logits(copy, m)).isEqualTo(expected);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void bf16StorageOfFloat32WeightsEqualsTheModelRoundedToBf16() {
        try (DecoderModel random = DecoderModel.random(CONFIG, Device.cpu(), 5);
                DecoderModel half = random.copy(); NDManager m = NDManager.newBaseManager()) {
            half.storeInHalf(Set.copyOf(half.weightNames()), HalfFormat.BF16);
            Map<String, NDArray> rounded = new LinkedHashMap<>();
            random.parameters().forEach((name, p) -> {
                float[] v = p.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.intBitsToFloat(dev.allo.fixtures.io.HalfFloatReference.BF16.toFloatBits(
                            dev.allo.fixtures.io.HalfFloatReference.BF16.fromFloat(v[i])));
                }
                rounded.put(name, m.create(v, p.getShape()));
            });
            try (DecoderModel expected = DecoderModel.fromTensors(CONFIG, rounded, Device.cpu())) {
                assertThat(logits(half, m)).isEqualTo(logits(expected, m));
            }
        }
    }

    /** The float32 parameters outside the 16-bit weights: the tensors a stage's mask selects. */
    private static NeuronMask maskOfParameters(DecoderModel model) {
        NeuronMask.Builder b = NeuronMask.builder();
        model.parameters().forEach((name, p) -> b.addAll(name, p.getShape()));
        return b.build();
    }

    private static void trainDpo(CausalLm policy, NeuronMask mask, List<TokenizedPair> pairs) {
        AdamWConfig adam = AdamWConfig.builder().learningRate(1e-2).weightDecay(0.01).build();
        try (SparseAdamW opt = new SparseAdamW(adam, mask, policy.parameters())) {
            StageTrainer.builder().name("half").policy(policy)
                    .objective(PreferenceObjective.of(ObjectiveConfig.Dpo.defaults())).optimizer(opt).pairs(pairs)
                    .config(LoopConfig.of(3, 3, 1)).padId(ByteTokenizer.PAD).build().run();
        }
    }

    @Test
    void trainingStepsLeaveUnselectedWeightsBitIdenticalAndTrainTheSelectedOnesAsFloat32StorageDoes() {
        List<TokenizedPair> pairs = LoraTestSupport.pairs(6);
        try (DecoderModel reference = representable(CONFIG, 9); DecoderModel half = reference.copy()) {
            Map<String, int[]> before = weightBits(reference);
            NeuronMask.Builder stageMask = NeuronMask.builder();
            for (String name : reference.weightNames()) {
                Shape shape = reference.parameters().get(name).getShape();
                if (name.startsWith("model.layers.1.mlp.")) {
                    stageMask.add(name, shape, new int[] {0, 3, 7}); // a few neurons of layer 1's MLP
                } else {
                    stageMask.addNone(name, shape);
                }
            }
            Set<String> held = half.storeInHalfOutside(stageMask.build(), HalfFormat.BF16);
            assertThat(held).hasSize(reference.weightNames().size() - 3)
                    .noneMatch(n -> n.startsWith("model.layers.1.mlp."));
            NeuronMask selected = NeuronMask.builder()
                    .add(DecoderNames.gateProj(1), reference.parameters().get(DecoderNames.gateProj(1)).getShape(),
                            new int[] {0, 3, 7})
                    .add(DecoderNames.upProj(1), reference.parameters().get(DecoderNames.upProj(1)).getShape(),
                            new int[] {0, 3, 7})
                    .add(DecoderNames.downProj(1), reference.parameters().get(DecoderNames.downProj(1)).getShape(),
                            new int[] {0, 3, 7})
                    .build();
            NeuronMask.Builder full = NeuronMask.builder();
            for (String name : reference.weightNames()) {
                Shape shape = reference.parameters().get(name).getShape();
                if (selected.contains(name)) {
                    full.add(name, shape, selected.indices(name));
                } else {
                    full.addNone(name, shape);
                }
            }
            trainDpo(reference, full.build(), pairs);
            trainDpo(half, selected, pairs);
            Map<String, int[]> afterHalf = weightBits(half);
            Map<String, int[]> afterReference = weightBits(reference);
            for (String name : reference.weightNames()) {
                assertThat(afterHalf.get(name)).as(name).isEqualTo(afterReference.get(name));
                if (held.contains(name)) {
                    assertThat(afterHalf.get(name)).as("unselected %s unchanged", name).isEqualTo(before.get(name));
                }
            }
            assertThat(afterHalf.get(DecoderNames.gateProj(1))).isNotEqualTo(before.get(DecoderNames.gateProj(1)));
        }
    }

    /**
     * The stage mask of the master-weight tests: partial selections in the embedding (tied: also the head), a
     * projection and the final norm, one weight selected entirely, every other weight not at all.
     */
    private static NeuronMask partialMask(DecoderModel model) {
        NeuronMask.Builder b = NeuronMask.builder();
        for (String name : model.weightNames()) {
            Shape shape = model.parameters().get(name).getShape();
            if (name.equals(DecoderNames.EMBED_TOKENS)) {
                b.add(name, shape, new int[] {1, 50, 200, 1000});
            } else if (name.equals(DecoderNames.qProj(0))) {
                b.add(name, shape, new int[] {0, 17, 255});
            } else if (name.equals(DecoderNames.FINAL_NORM)) {
                b.add(name, shape, new int[] {0, 5});
            } else if (name.equals(DecoderNames.downProj(1))) {
                b.addAll(name, shape);
            } else {
                b.addNone(name, shape);
            }
        }
        return b.build();
    }

    /**
     * holdInHalf on a model of BF16 values: with unclipped AdamW the trained model is bit-identical to the float32
     * model trained with the same mask (the forward values are the same, each master's gradient is the dense
     * gradient's entry, Adam is element-wise), and every unselected scalar keeps its bits.
     */
    @Test
    void holdInHalfTrainsTheSelectedScalarsBitIdenticallyToFloat32Storage() {
        List<TokenizedPair> pairs = LoraTestSupport.pairs(6);
        for (DecoderConfig config : List.of(CONFIG, TIED)) {
            try (DecoderModel reference = representable(config, 11); DecoderModel held = reference.copy()) {
                Map<String, int[]> before = weightBits(reference);
                NeuronMask mask = partialMask(reference);
                long float32Bytes = reference.storedBytes();
                Set<String> holding = held.holdInHalf(mask, HalfFormat.BF16);
                assertThat(holding).hasSize(reference.weightNames().size() - 1).doesNotContain(
                        DecoderNames.downProj(1));
                assertThat(NeuronMask.shapesOf(held.parameters())).containsExactly(
                        Map.entry(DecoderNames.EMBED_TOKENS, new Shape(4)),
                        Map.entry(DecoderNames.qProj(0), new Shape(3)),
                        Map.entry(DecoderNames.downProj(1), reference.parameters().get(DecoderNames.downProj(1))
                                .getShape()),
                        Map.entry(DecoderNames.FINAL_NORM, new Shape(2)));
                long downScalars = reference.parameters().get(DecoderNames.downProj(1)).size();
                long scalars = float32Bytes / 4;
                assertThat(held.storedBytes()).isEqualTo(2 * (scalars - downScalars) + 4 * downScalars
                        + 8 * (4 + 3 + 2));
                assertThat(weightBits(held)).as("holding changes no value").containsExactlyEntriesOf(before);
                trainDpo(reference, mask, pairs);
                trainDpo(held, held.onParameters(mask), pairs);
                Map<String, int[]> after = weightBits(held);
                assertThat(after).containsExactlyEntriesOf(weightBits(reference));
                for (String name : reference.weightNames()) {
                    int[] was = before.get(name);
                    for (int i = 0; i < was.length; i++) {
                        if (!mask.isSelected(name, i)) {
                            assertThat(after.get(name)[i]).as("%s[%d] unselected", name, i).isEqualTo(was[i]);
                        }
                    }
                }
                assertThat(after.get(DecoderNames.qProj(0))[17]).isNotEqualTo(before.get(DecoderNames.qProj(0))[17]);
            }
        }
    }

    @Test
    void holdInHalfRefusesAMaskThatSelectsEverythingAndMasksBeyondItsMasters() {
        try (DecoderModel model = representable(CONFIG, 3)) {
            NeuronMask everything = NeuronMask.all(NeuronMask.shapesOf(model.parameters()));
            assertThatThrownBy(() -> model.holdInHalf(everything, HalfFormat.BF16))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every scalar of every one")
                    .hasMessageContaining("save nothing");
            NeuronMask mask = partialMask(model);
            model.holdInHalf(mask, HalfFormat.BF16);
            assertThatThrownBy(() -> model.onParameters(everything)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(DecoderNames.EMBED_TOKENS).hasMessageContaining("no float32 master");
            assertThatThrownBy(() -> model.holdInHalf(mask, HalfFormat.BF16)).isInstanceOf(
                    IllegalStateException.class).hasMessageContaining("already holds");
        }
    }

    @Test
    void loraDpoOverABf16BaseMatchesAFloat32BaseAndChangesOnlyTheAdapters() {
        List<TokenizedPair> pairs = LoraTestSupport.pairs(6);
        LoraConfig config = LoraConfig.of(2, 4, List.of(LoraConfig.ALL_LINEAR));
        try (DecoderModel floatBase = representable(CONFIG, 4); DecoderModel halfBase = floatBase.copy()) {
            halfBase.storeInHalf(Set.copyOf(halfBase.weightNames()), HalfFormat.BF16);
            assertThat(halfBase.parameters()).isEmpty();
            Map<String, int[]> before = weightBits(halfBase);
            try (LoraModel onFloat = LoraModel.create(floatBase, config, 6);
                    LoraModel onHalf = LoraModel.create(halfBase, config, 6)) {
                Map<String, float[]> adaptersBefore = new LinkedHashMap<>();
                onHalf.parameters().forEach((k, v) -> adaptersBefore.put(k, v.toFloatArray()));
                trainDpo(onFloat, NeuronMask.all(NeuronMask.shapesOf(onFloat.parameters())), pairs);
                trainDpo(onHalf, NeuronMask.all(NeuronMask.shapesOf(onHalf.parameters())), pairs);
                assertThat(weightBits(halfBase)).containsExactlyEntriesOf(before);
                onHalf.parameters().forEach((k, v) -> {
                    assertThat(v.toFloatArray()).as(k).isEqualTo(onFloat.parameters().get(k).toFloatArray());
                    if (k.contains("lora_B")) {
                        assertThat(v.toFloatArray()).as("%s moved", k).isNotEqualTo(adaptersBefore.get(k));
                    }
                });
                try (DecoderModel mergedHalf = onHalf.merge(); DecoderModel mergedFloat = onFloat.merge();
                        NDManager m = NDManager.newBaseManager()) {
                    assertThat(weightBits(mergedHalf)).containsExactlyEntriesOf(weightBits(mergedFloat));
                    assertThat(mergedHalf.halfWeights().keySet()).containsOnly(DecoderNames.EMBED_TOKENS,
                            DecoderNames.LM_HEAD, DecoderNames.FINAL_NORM, DecoderNames.inputLayerNorm(0),
                            DecoderNames.inputLayerNorm(1), DecoderNames.postAttentionLayerNorm(0),
                            DecoderNames.postAttentionLayerNorm(1)); // the merged projections are float32
                    assertThat(logits(mergedHalf, m)).isEqualTo(logits(mergedFloat, m));
                }
            }
        }
    }

    @Test
    void savedCheckpointHoldsTheWidenedWeights() {
        try (DecoderModel full = representable(CONFIG, 2); DecoderModel half = full.copy()) {
            half.storeInHalf(Set.of(DecoderNames.LM_HEAD, DecoderNames.vProj(0)), HalfFormat.BF16);
            DecoderCheckpoints.save(half, tmp.resolve("ckpt"), SafetensorsDtype.BF16, Long.MAX_VALUE, Map.of());
            try (DecoderModel loaded = DecoderCheckpoints.load(tmp.resolve("ckpt"), Device.cpu())) {
                assertThat(weightBits(loaded)).containsExactlyEntriesOf(weightBits(full));
            }
        }
    }

    @Test
    void loadingIntoHalfStorageEqualsLoadingThenStoring() {
        Path dir = tmp.resolve("bf16");
        try (DecoderModel random = DecoderModel.random(CONFIG, Device.cpu(), 8)) {
            DecoderCheckpoints.save(random, dir, SafetensorsDtype.BF16, Long.MAX_VALUE, Map.of());
        }
        try (DecoderModel plain = DecoderCheckpoints.load(dir, Device.cpu());
                DecoderModel bf16 = DecoderCheckpoints.load(dir, Device.cpu(), Set.copyOf(plain.weightNames()),
                        HalfFormat.BF16);
                DecoderModel f16 = DecoderCheckpoints.load(dir, Device.cpu(),
                        Set.of(DecoderNames.LM_HEAD, DecoderNames.oProj(0)), HalfFormat.F16);
                DecoderModel f16After = plain.copy(); NDManager m = NDManager.newBaseManager()) {
            assertThat(bf16.parameters()).isEmpty();
            assertThat(bf16.halfWeights()).hasSize(plain.weightNames().size()).containsValue(HalfFormat.BF16);
            assertThat(weightBits(bf16)).containsExactlyEntriesOf(weightBits(plain)); // BF16 bytes held as read
            assertThat(logits(bf16, m)).isEqualTo(logits(plain, m));
            assertThat(bf16.config()).isEqualTo(plain.config());
            f16After.storeInHalf(Set.of(DecoderNames.LM_HEAD, DecoderNames.oProj(0)), HalfFormat.F16);
            assertThat(f16.halfWeights()).isEqualTo(f16After.halfWeights());
            assertThat(weightBits(f16)).containsExactlyEntriesOf(weightBits(f16After));
        }
        assertThatThrownBy(() -> DecoderCheckpoints.load(dir, Device.cpu(), Set.of("lm_head.bias"), HalfFormat.BF16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lm_head.bias")
                .hasMessageContaining("config.json");
    }

    @Test
    void badRequestsAreRefusedByName() {
        try (DecoderModel model = representable(CONFIG, 1)) {
            NeuronMask everything = NeuronMask.all(NeuronMask.shapesOf(model.parameters()));
            assertThatThrownBy(() -> model.storeInHalfOutside(everything, HalfFormat.BF16))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every one of the")
                    .hasMessageContaining("save nothing");
            assertThatThrownBy(() -> model.storeInHalf(Set.of(), HalfFormat.BF16))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing to hold");
            assertThatThrownBy(() -> model.storeInHalf(Set.of("model.layers.7.mlp.up_proj.weight"), HalfFormat.F16))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model.layers.7.mlp.up_proj.weight").hasMessageContaining("not a weight");
            Set<String> head = new LinkedHashSet<>(List.of(DecoderNames.LM_HEAD));
            model.storeInHalf(head, HalfFormat.BF16);
            assertThatThrownBy(() -> model.storeInHalf(head, HalfFormat.BF16))
                    .hasMessageContaining(DecoderNames.LM_HEAD).hasMessageContaining("already is");
            model.setTrainable(true);
            assertThatThrownBy(() -> model.storeInHalf(Set.of(DecoderNames.FINAL_NORM), HalfFormat.BF16))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("trainable");
            model.setTrainable(false);
            try (NDManager m = NDManager.newBaseManager()) {
                DecoderModel view = model.withWeights(Map.of());
                assertThatThrownBy(() -> view.storeInHalf(Set.of(DecoderNames.FINAL_NORM), HalfFormat.BF16))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("view");
                assertThat(model.weight(DecoderNames.LM_HEAD, m).getShape())
                        .isEqualTo(CONFIG.parameterShapes().get(DecoderNames.LM_HEAD));
                assertThatThrownBy(() -> model.weight("lm_head.bias", m)).hasMessageContaining("lm_head.bias");
            }
        }
    }
}
