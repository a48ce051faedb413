package dev.allo.impl;

import ai.djl.Device;
import dev.allo.impl.model.LlamaCheckpoints;
import dev.allo.impl.lora.LoraCheckpoints;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.LlamaModel;
import dev.allo.impl.pipeline.AlignmentPipeline;
import dev.allo.model.CausalLm;
import dev.allo.pipeline.AlignmentPlan;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.spi.AlloProvider;
import java.nio.file.Path;

/** The {@link AlloProvider} of this module: LLaMA-architecture models on DJL's PyTorch engine. */
public final class DjlAlloProvider implements AlloProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public DjlAlloProvider() {}

    @Override
    public String name() {
        return "allo-impl (DJL PyTorch)";
    }

    @Override
    public CausalLm loadModel(Path directory, Device device) {
        return LlamaCheckpoints.load(directory, device);
    }

    @Override
    public void saveModel(CausalLm model, Path directory) {
        if (model instanceof LlamaModel llama) {
            LlamaCheckpoints.save(llama, directory);
        } else if (model instanceof LoraModel lora) {
            LoraCheckpoints.save(lora, directory, true); // the adapters only, in PEFT's layout
        } else {
            throw new IllegalArgumentException("model must be a " + LlamaModel.class.getName() + " or a "
                    + LoraModel.class.getName() + " from allo-impl, got " + model.getClass().getName());
        }
    }

    @Override
    public AlignmentResult align(AlignmentPlan plan) {
        return new AlignmentPipeline(plan).run();
    }
}
