package dev.allo.spi;

import ai.djl.Device;
import dev.allo.model.CausalLm;
import dev.allo.model.SaveOptions;
import dev.allo.pipeline.AlignmentPlan;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;

/**
 * The service an implementation module registers with {@link java.util.ServiceLoader} (as DJL registers its engines),
 * through which the engine-agnostic API reaches the engine-specific code. Users do not call it directly; they use
 * {@link dev.allo.Allo}.
 */
public interface AlloProvider {

    /**
     * A short name for messages, for example {@code "allo-impl (DJL PyTorch)"}.
     *
     * @return the provider's name
     */
    String name();

    /**
     * Loads a causal language model from a Hugging Face checkpoint directory ({@code config.json} plus
     * {@code model.safetensors} or a sharded {@code model.safetensors.index.json}).
     *
     * @param directory the checkpoint directory
     * @param device where the parameters go
     * @return the model; the caller closes it
     */
    CausalLm loadModel(Path directory, Device device);

    /**
     * Saves a model as a Hugging Face checkpoint directory that {@code transformers} can load (for an adapter model,
     * the adapters in PEFT's layout).
     *
     * @param model the model, which must come from this provider
     * @param directory the target directory; written atomically
     */
    void saveModel(CausalLm model, Path directory);

    /**
     * Saves a model with its tokenizer's files (those {@code save_pretrained} writes), all in one atomic directory
     * write; a tokenizer without Hugging Face files adds none.
     *
     * @param model the model, which must come from this provider
     * @param tokenizer the model's tokenizer
     * @param directory the target directory; written atomically, an existing one replaced
     * @param options the stored weight type and shard size
     */
    void saveModel(CausalLm model, Tokenizer tokenizer, Path directory, SaveOptions options);

    /**
     * Runs an alignment: the locate stage, if any, then every optimisation stage in order.
     *
     * @param plan the validated plan from {@link dev.allo.pipeline.AlignmentBuilder#build()}
     * @return what the run produced
     */
    AlignmentResult align(AlignmentPlan plan);

    /**
     * Estimates the peak memory of every training stage of a run, without running it. Implementations that cannot
     * estimate return a plan without stages.
     *
     * @param plan the validated plan
     * @return the estimate
     */
    default MemoryPlan memoryPlan(AlignmentPlan plan) {
        return new MemoryPlan(plan.device().toString(), -1, List.of(), 0, List.of());
    }
}
