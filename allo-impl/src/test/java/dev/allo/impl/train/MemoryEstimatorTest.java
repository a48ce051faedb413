package dev.allo.impl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.HalfFormat;
import dev.allo.impl.train.MemoryEstimator.ModelShape;
import dev.allo.impl.train.MemoryEstimator.StageSettings;
import dev.allo.mask.NeuronMask;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.pipeline.MemoryPlan.StageMemory;
import dev.allo.pipeline.TrainingConfig.OptimizerKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The estimator's arithmetic against figures worked out by hand from the formulas of {@link MemoryEstimator}'s class
 * comment (Eqs. M1-M6), each derivation beside its constant.
 */
class MemoryEstimatorTest {
    /**
     * L = 2, H = 8, I = 12, n_h = 4, n_kv = 2, d = 2 (Q = 8), V = 10; 4,000 bytes of float32 weights, 1,000 trainable
     * scalars, the largest tensor 80.
     */
    private static final ModelShape SMALL = new ModelShape(2, 8, 12, 4, 2, 2, 10, false, false, 4_000, 1_000, 80);

    @Test
    void blockActivationsFollowEquationM1() {
        // a = 6H + 4Q + 5I + n_h S = 48 + 32 + 60 + 4 * 5 = 160 floats per token at S = 5
        assertThat(MemoryEstimator.blockFloatsPerToken(SMALL, 5)).isEqualTo(160);
        // Qwen3's q/k norms: + 2Q + 2 n_kv d = 16 + 8 -> 184
        ModelShape qwen3 = new ModelShape(2, 8, 12, 4, 2, 2, 10, true, false, 4_000, 1_000, 80);
        assertThat(MemoryEstimator.blockFloatsPerToken(qwen3, 5)).isEqualTo(184);
        // Gemma 2: + 4H + 2I + 2 n_h S = 32 + 24 + 40 -> 256
        ModelShape gemma = new ModelShape(2, 8, 12, 4, 2, 2, 10, false, true, 4_000, 1_000, 80);
        assertThat(MemoryEstimator.blockFloatsPerToken(gemma, 5)).isEqualTo(256);
    }

    @Test
    void passActivationsFollowEquationM2() {
        // B = 3 sequences of S = 5: 15 tokens; besides the blocks 3H + S = 29 floats per token.
        // Plain: L a + 29 = 320 + 29 = 349 floats per token -> 4 * 15 * 349 = 20,940 bytes.
        assertThat(MemoryEstimator.activationBytes(SMALL, 3, 5, false)).isEqualTo(20_940);
        // Checkpointed: L H + a + 2H + 29 = 16 + 160 + 16 + 29 = 221 -> 4 * 15 * 221 = 13,260 bytes.
        assertThat(MemoryEstimator.activationBytes(SMALL, 3, 5, true)).isEqualTo(13_260);
    }

    @Test
    void logitsFollowEquationM3() {
        // Unchunked: N V + 2 N V with N = 15, V = 10 -> 4 * 10 * 45 = 1,800 bytes.
        assertThat(MemoryEstimator.logitBytes(SMALL, 3, 5, 0)).isEqualTo(1_800);
        // Chunks of 2 positions: N V + 2 * B * 2 * V = 150 + 120 floats -> 1,080 bytes.
        assertThat(MemoryEstimator.logitBytes(SMALL, 3, 5, 2)).isEqualTo(1_080);
        // A chunk longer than the sequence is the whole sequence: as unchunked.
        assertThat(MemoryEstimator.logitBytes(SMALL, 3, 5, 64)).isEqualTo(1_800);
        // The recomputing head, float32: one chunk's log-softmax and two gradients, 3 B c V = 3 * 3 * 2 * 10 = 180
        // floats, more than B c V + V H = 60 + 80 = 140
        assertThat(MemoryEstimator.logitBytes(SMALL, 3, 5, 2, true)).isEqualTo(720);
        // chunks of 1: 3 B c V = 90 < B c V + V H = 30 + 80 = 110 floats
        assertThat(MemoryEstimator.logitBytes(SMALL, 3, 5, 1, true)).isEqualTo(440);
        // unchunked, the chunk is the sequence: 3 * 15 * 10 = 450 floats
        assertThat(MemoryEstimator.logitBytes(SMALL, 3, 5, 0, true)).isEqualTo(1_800);
        // A head held in 16 bits (h_outer = 200 >= V H = 80): the one-pass head keeps one widened copy per chunk,
        // ceil(5 / 2) - 1 = 2 more than Eq. M5 counts: 270 + 2 * 80 = 430 floats; the recomputing head only the
        // logits' gradient of one chunk beside Eq. M5's widened head and its gradient, B c V = 60 floats
        ModelShape held = new ModelShape(2, 8, 12, 4, 2, 2, 10, false, false, 4_000, 1_000, 80, 600, 200);
        assertThat(MemoryEstimator.logitBytes(held, 3, 5, 2)).isEqualTo(1_720);
        assertThat(MemoryEstimator.logitBytes(held, 3, 5, 2, true)).isEqualTo(240);
        // a held head that fits one chunk: no extra copy
        assertThat(MemoryEstimator.logitBytes(held, 3, 5, 0)).isEqualTo(1_800);
        // held outer weights smaller than the head (the head itself in float32): no extra copy
        ModelShape normOnly = new ModelShape(2, 8, 12, 4, 2, 2, 10, false, false, 4_000, 1_000, 80, 600, 16);
        assertThat(MemoryEstimator.logitBytes(normOnly, 3, 5, 2)).isEqualTo(1_080);
    }

    @Test
    void optimiserStateByKind() {
        // every scalar: two float32 moments, no index -> 8 * 1,000
        assertThat(MemoryEstimator.optimizerBytes(SMALL, OptimizerKind.SPARSE_ADAMW, 1.0)).isEqualTo(8_000);
        // 10%: K = 100 -> 8 * 100 + 4 * 100 (int32 indices)
        assertThat(MemoryEstimator.optimizerBytes(SMALL, OptimizerKind.SPARSE_ADAMW, 0.1)).isEqualTo(1_200);
        // dense: 8 * 1,000 whatever the mask, plus a one-byte mask when partial
        assertThat(MemoryEstimator.optimizerBytes(SMALL, OptimizerKind.DENSE_MASKED_ADAMW, 1.0)).isEqualTo(8_000);
        assertThat(MemoryEstimator.optimizerBytes(SMALL, OptimizerKind.DENSE_MASKED_ADAMW, 0.1)).isEqualTo(9_000);
        // SGD: one momentum per selected scalar (+ index when partial): 4 * 100 + 4 * 100
        assertThat(MemoryEstimator.optimizerBytes(SMALL, OptimizerKind.MASKED_SGD, 0.1)).isEqualTo(800);
        // a step (Eq. M4), one tensor at a time: sparse AdamW 5 float32 copies of the largest tensor (80) when
        // everything is selected, 20 * 80; of the gathered K = 100 at 10%, 20 * 100
        assertThat(MemoryEstimator.optimizerStepBytes(SMALL, OptimizerKind.SPARSE_ADAMW, 1.0)).isEqualTo(1_600);
        assertThat(MemoryEstimator.optimizerStepBytes(SMALL, OptimizerKind.SPARSE_ADAMW, 0.1)).isEqualTo(2_000);
        // dense masked AdamW: 7 copies of the largest tensor, whatever the mask: 28 * 80; SGD: 3 of K: 12 * 100
        assertThat(MemoryEstimator.optimizerStepBytes(SMALL, OptimizerKind.DENSE_MASKED_ADAMW, 0.1)).isEqualTo(2_240);
        assertThat(MemoryEstimator.optimizerStepBytes(SMALL, OptimizerKind.MASKED_SGD, 0.1)).isEqualTo(1_200);
        assertThat(MemoryEstimator.optimizerStepBytes(SMALL, OptimizerKind.MASKED_SGD, 1.0)).isEqualTo(960);
    }

    @Test
    void stagePeakAddsThePersistentStateToTheLargerTransient() {
        StageMemory m = MemoryEstimator.estimate(SMALL, new StageSettings("dpo", 3, 5, 0, false,
                OptimizerKind.SPARSE_ADAMW, 1.0, 500));
        // 4,000 weights + 4,000 gradients + 8,000 moments + max(20,940 + 1,800, 1,600) + 500 reference
        assertThat(m.peak()).isEqualTo(4_000 + 4_000 + 8_000 + 22_740 + 500);
        StageMemory tiny = MemoryEstimator.estimate(SMALL, new StageSettings("sft", 1, 1, 0, true,
                OptimizerKind.DENSE_MASKED_ADAMW, 1.0, 0));
        // one token: activations 4 * (16 + (48 + 32 + 60 + 4) + 16 + 24 + 1) = 4 * 201 = 804, logits (the
        // recomputing float32 head, checkpointed) 4 * max(3 * 1 * 1 * 10, 10 + V H = 90) = 360; their sum 1,164
        // < the dense step's 2,240, which then sets the transient
        assertThat(tiny.activations() + tiny.logits()).isEqualTo(1_164);
        assertThat(tiny.peak()).isEqualTo(4_000 + 4_000 + 8_000 + 2_240);
    }

    @Test
    void qwen25HalfBillionShape() {
        // Qwen2.5-0.5B: L 24, H 896, I 4864, 14 / 2 heads of 64, V 151,936; 494,032,768 float32 parameters.
        long params = 494_032_768L;
        ModelShape qwen = new ModelShape(24, 896, 4864, 14, 2, 64, 151_936, false, false, 4 * params, params,
                151_936L * 896);
        // a(S = 512) = 6 * 896 + 4 * 896 + 5 * 4864 + 14 * 512 = 5,376 + 3,584 + 24,320 + 7,168 = 40,448
        assertThat(MemoryEstimator.blockFloatsPerToken(qwen, 512)).isEqualTo(40_448);
        // one 512-token sequence, plain: 512 * (24 * 40,448 + 3 * 896 + 512) floats = 512 * 973,952 floats
        assertThat(MemoryEstimator.activationBytes(qwen, 1, 512, false)).isEqualTo(4L * 512 * 973_952);
        // checkpointed: 512 * (24 * 896 + 40,448 + 2 * 896 + 3 * 896 + 512) = 512 * 66,944 floats (14.5x less)
        assertThat(MemoryEstimator.activationBytes(qwen, 1, 512, true)).isEqualTo(4L * 512 * 66_944);
    }

    @Test
    void heldWeightsFollowEquationM5AndTheHeldShape() {
        // SMALL with 600 block scalars and 200 outer scalars held in 16 bits
        ModelShape held = new ModelShape(2, 8, 12, 4, 2, 2, 10, false, false, 4_000, 1_000, 80, 600, 200);
        // without checkpointing every held weight is widened and kept once: 4 * (600 + 200) on top of Eq. M2
        assertThat(MemoryEstimator.activationBytes(held, 3, 5, false)).isEqualTo(20_940 + 3_200);
        // with it one block's (600 / L = 300) and the outer ones: 4 * (300 + 200)
        assertThat(MemoryEstimator.activationBytes(held, 3, 5, true)).isEqualTo(13_260 + 2_000);
        DecoderConfig config = DecoderConfig.builder().modelType("qwen2").hiddenSize(16).intermediateSize(24)
                .numHiddenLayers(3).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(50).tieWordEmbeddings(true)
                .build();
        long blocks = 0;
        long outer = 0;
        for (var e : config.parameterShapes().entrySet()) {
            if (e.getKey().startsWith("model.layers.")) {
                blocks += e.getValue().size();
            } else {
                outer += e.getValue().size();
            }
        }
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 1)) {
            ModelShape float32 = ModelShape.of(model);
            ModelShape predicted = float32.heldInHalf(config, 0.1);
            long n = blocks + outer;
            long masters = (long) Math.ceil(0.1 * n);
            // 2 bytes per scalar, 4 + 4 per master (value and index); the masters are the trainable scalars
            assertThat(predicted.weightBytes()).isEqualTo(2 * n + 8 * masters);
            assertThat(predicted.trainableScalars()).isEqualTo(masters);
            assertThat(predicted.largestTensor()).isEqualTo((long) Math.ceil(0.1 * 50 * 16));
            assertThat(predicted.heldBlockScalars()).isEqualTo(blocks);
            assertThat(predicted.heldOuterScalars()).isEqualTo(2 * outer); // with masters: + their dense gradient
            // a model that holds weights is measured as it is: its stored bytes and its parameters; the final norm
            // has masters (counted twice), the embedding none
            NeuronMask.Builder b = NeuronMask.builder();
            config.parameterShapes().forEach((name, shape) -> {
                if (name.equals("model.norm.weight")) {
                    b.add(name, shape, new int[] {0, 3});
                } else {
                    b.addNone(name, shape);
                }
            });
            model.holdInHalf(b.build(), HalfFormat.BF16);
            ModelShape now = ModelShape.of(model);
            assertThat(now.weightBytes()).isEqualTo(2 * n + 8 * 2);
            assertThat(now.trainableScalars()).isEqualTo(2);
            assertThat(now.heldBlockScalars()).isEqualTo(blocks);
            assertThat(now.heldOuterScalars()).isEqualTo(outer + 16);
        }
    }

    @Test
    void shapeOfARealModelCountsItsTensors() {
        DecoderConfig config = DecoderConfig.builder().modelType("qwen2").hiddenSize(16).intermediateSize(24)
                .numHiddenLayers(3).numAttentionHeads(4).numKeyValueHeads(2).vocabSize(50).tieWordEmbeddings(true)
                .build();
        try (DecoderModel model = DecoderModel.random(config, Device.cpu(), 1)) {
            ModelShape shape = ModelShape.of(config, model.parameters(), model.parameters());
            long scalars = 0;
            for (var shapeOf : config.parameterShapes().values()) {
                scalars += shapeOf.size();
            }
            assertThat(shape.trainableScalars()).isEqualTo(scalars);
            assertThat(shape.weightBytes()).isEqualTo(4 * scalars);
            assertThat(shape.largestTensor()).isEqualTo(50 * 16); // the tied embedding
            assertThat(shape.headDim()).isEqualTo(4);
        }
    }

    @Test
    void planFitsAndDescribes() {
        StageMemory stage = new StageMemory("dpo", 1L << 30, 1L << 30, 2L << 30, 3L << 30, 1L << 30, 0, 0, true, 4,
                512);
        assertThat(stage.peak()).isEqualTo(8L << 30);
        MemoryPlan fits = new MemoryPlan("cpu()", 8L << 30, List.of(stage), 0, List.of());
        assertThat(fits.fits()).isTrue();
        MemoryPlan short1 = new MemoryPlan("cpu()", (8L << 30) - 1, List.of(stage), 0, List.of("x: peak 1 GiB"));
        assertThat(short1.fits()).isFalse();
        assertThat(short1.describe()).contains("8.00 GiB").contains("checkpointed").contains("would fit: x");
        assertThat(new MemoryPlan("cpu()", -1, List.of(stage), 0, List.of()).fits()).isTrue();
        assertThatThrownBy(() -> new StageMemory("s", -1, 0, 0, 0, 0, 0, 0, false, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'s'");
    }
}
