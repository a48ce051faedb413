package dev.allo.examples.bench;

import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.train.MemoryEstimator;
import dev.allo.impl.train.MemoryEstimator.ModelShape;
import dev.allo.impl.train.MemoryEstimator.StageSettings;
import dev.allo.pipeline.TrainingConfig.OptimizerKind;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The memory plan's estimate of one DPO step per training mode for real model shapes (Qwen2.5 0.5B to 14B,
 * Llama-3.1-8B): arithmetic only ({@link MemoryEstimator}, the figures {@code Alignment.memoryPlan()} prints), no
 * weights are allocated. One pair per micro-batch (two sequences of {@code --seq} tokens, default 1,024), log-probs
 * in chunks of 128, no reference term. Modes:
 *
 * <ul>
 *   <li>full DPO: float32 weights, AdamW on every weight, gradient checkpointing;
 *   <li>ALLO: a 10% mask with sparse AdamW and gradient checkpointing, float32 weights, and with every weight held in
 *       BF16 except float32 masters of the selected scalars ({@code weightStorage} BF16 or AUTO for a BF16
 *       checkpoint);
 *   <li>LoRA rank 16 (alpha 32) on q, k, v, o, gate, up and down, without checkpointing (not supported with LoRA),
 *       the base in float32 and in BF16 ({@code lora.baseStorage}).
 * </ul>
 *
 * <p>Prints a Markdown table of peaks in GiB. Run:
 *
 * <pre>
 * java -cp ... dev.allo.examples.bench.ScalePlanTable [--seq 1024]
 * </pre>
 */
public final class ScalePlanTable {
    private static final double GIB = 1024.0 * 1024 * 1024;
    private static final int CHUNK = 128;
    private static final double RATIO = 0.10;
    private static final int RANK = 16;

    private ScalePlanTable() {}

    /**
     * Prints the table.
     *
     * @param args {@code --seq N}: tokens per sequence
     */
    public static void main(String[] args) {
        int seq = BenchArgs.intOption(args, "--seq", 1024);
        System.out.printf(Locale.ROOT, "| model | parameters | full DPO | ALLO 10%%, float32 | ALLO 10%%, BF16 holding |"
                + " LoRA r%d, float32 base | LoRA r%d, BF16 base |%n|---|---|---|---|---|---|---|%n", RANK, RANK);
        for (Map.Entry<String, DecoderConfig> e : models().entrySet()) {
            DecoderConfig c = e.getValue();
            ModelShape float32 = float32Shape(c);
            Set<String> targets = new HashSet<>(LoraModel.targetNames(c, LoraConfig.of(RANK, 2.0 * RANK,
                    List.of(LoraConfig.ALL_LINEAR))));
            System.out.printf(Locale.ROOT, "| %s | %.2fB | %.1f | %.1f | %.1f | %.1f | %.1f |%n", e.getKey(),
                    c.parameterCount() / 1e9, peak(float32, seq, true, 1.0),
                    peak(float32, seq, true, RATIO), peak(float32.heldInHalf(c, RATIO), seq, true, 1.0),
                    peak(float32.withLora(c, targets, RANK, false, Set.of()), seq, false, 1.0),
                    peak(float32.withLora(c, targets, RANK, true, Set.of()), seq, false, 1.0));
        }
    }

    private static double peak(ModelShape shape, int seq, boolean checkpointing, double ratio) {
        return MemoryEstimator.estimate(shape, new StageSettings("dpo", 2, seq, CHUNK, checkpointing,
                OptimizerKind.SPARSE_ADAMW, ratio, 0)).peak() / GIB;
    }

    /** The shape of a decoder of float32 weights, every weight trainable. */
    static ModelShape float32Shape(DecoderConfig c) {
        long largest = 0;
        for (var shape : c.parameterShapes().values()) {
            largest = Math.max(largest, shape.size());
        }
        long n = c.parameterCount();
        return new ModelShape(c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), c.family().qkNorm(), c.family().gemmaBlocks(), 4 * n,
                n, largest);
    }

    /** The published shapes (config.json of each model). */
    private static Map<String, DecoderConfig> models() {
        Map<String, DecoderConfig> out = new LinkedHashMap<>();
        out.put("Qwen2.5-0.5B", qwen(896, 4864, 24, 14, 2, 151_936, true));
        out.put("Qwen2.5-1.5B", qwen(1536, 8960, 28, 12, 2, 151_936, true));
        out.put("Qwen2.5-3B", qwen(2048, 11008, 36, 16, 2, 151_936, true));
        out.put("Qwen2.5-7B", qwen(3584, 18944, 28, 28, 4, 152_064, false));
        out.put("Llama-3.1-8B", DecoderConfig.builder().modelType("llama").hiddenSize(4096).intermediateSize(14336)
                .numHiddenLayers(32).numAttentionHeads(32).numKeyValueHeads(8).vocabSize(128_256).build());
        out.put("Qwen2.5-14B", qwen(5120, 13824, 48, 40, 8, 152_064, false));
        return out;
    }

    private static DecoderConfig qwen(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
            boolean tied) {
        return DecoderConfig.builder().modelType("qwen2").hiddenSize(hidden).intermediateSize(intermediate)
                .numHiddenLayers(layers).numAttentionHeads(heads).numKeyValueHeads(kvHeads).vocabSize(vocab)
                .tieWordEmbeddings(tied).build();
    }
}
