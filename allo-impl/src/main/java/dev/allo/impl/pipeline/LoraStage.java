package dev.allo.impl.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.allo.impl.lora.LoraConfig;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.HalfFormat;
import dev.allo.model.CausalLm;
import dev.allo.pipeline.LoraSettings;
import dev.allo.pipeline.StageConfig;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The policy of a stage with {@link StageConfig#lora()}: fresh adapters over the frozen pipeline model, which is held
 * in 16 bits for the stage when {@link LoraSettings#baseStorage()} asks, and the merge of the trained adapters back
 * into that model ({@code W0 <- W0 + (alpha / r) B A}) so that later stages and the run's result continue from it.
 */
final class LoraStage {
    private LoraStage() {}

    /**
     * Fresh adapters ({@code B = 0}, so the policy starts exactly at {@code base}) over the pipeline model.
     *
     * @param stage the stage, with LoRA settings
     * @param base the pipeline model; its float32 parameters are held in 16 bits from now on if the settings ask
     * @param seed seeds {@code A} and the dropout masks
     * @return the policy; the caller closes it (the base stays open)
     * @throws IllegalArgumentException if the model is not a {@link DecoderModel}
     */
    static LoraModel start(StageConfig stage, CausalLm base, long seed) {
        LoraSettings s = stage.lora();
        if (!(base instanceof DecoderModel decoder)) {
            throw new IllegalArgumentException("stage '" + stage.name() + "' trains LoRA adapters, which need a "
                    + DecoderModel.class.getName() + " as the model, got " + base.getClass().getName());
        }
        Set<String> float32 = new LinkedHashSet<>(decoder.parameters().keySet());
        float32.removeAll(decoder.halfWeights().keySet()); // float32 masters of a 16-bit weight stay as they are
        if (s.baseStorage() != LoraSettings.BaseStorage.FLOAT32 && !float32.isEmpty()) {
            HalfFormat format = s.baseStorage() == LoraSettings.BaseStorage.BF16 ? HalfFormat.BF16 : HalfFormat.F16;
            decoder.storeInHalf(float32, format);
        }
        return LoraModel.create(decoder, config(s), seed);
    }

    /**
     * The adapters' configuration of a stage's settings (no base model name).
     *
     * @param s the stage's LoRA settings
     * @return rank, alpha, dropout and target modules
     */
    static LoraConfig config(LoraSettings s) {
        return new LoraConfig(s.rank(), s.alpha(), s.dropout(), s.targetModules(), "");
    }

    /**
     * Merges trained adapters into their base: every adapted matrix becomes {@code W0 + (alpha / r) B A}, in place
     * (rounded to the base's 16-bit format where the base holds it so).
     *
     * @param lora the trained adapters
     */
    static void mergeIntoBase(LoraModel lora) {
        DecoderModel base = lora.base();
        try (NDManager scratch = base.manager().newSubManager()) {
            Map<String, NDArray> deltas = lora.deltas(scratch);
            for (Map.Entry<String, NDArray> e : deltas.entrySet()) {
                base.assign(e.getKey(), e.getValue().add(base.weight(e.getKey(), scratch))); // W0 + dW
            }
        }
    }
}
