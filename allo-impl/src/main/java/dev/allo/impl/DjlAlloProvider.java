package dev.allo.impl;

import ai.djl.Device;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.lora.LoraCheckpoints;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.pipeline.AlignmentPipeline;
import dev.allo.impl.tokenizer.TokenizerFiles;
import dev.allo.model.CausalLm;
import dev.allo.model.SaveOptions;
import dev.allo.pipeline.AlignmentPlan;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.MemoryPlan;
import dev.allo.spi.AlloProvider;
import dev.allo.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;

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
        return DecoderCheckpoints.load(directory, device);
    }

    @Override
    public void saveModel(CausalLm model, Path directory) {
        if (model instanceof DecoderModel llama) {
            DecoderCheckpoints.save(llama, directory);
        } else if (model instanceof LoraModel lora) {
            LoraCheckpoints.save(lora, directory, true); // the adapters only, in PEFT's layout
        } else {
            throw new IllegalArgumentException("model must be a " + DecoderModel.class.getName() + " or a "
                    + LoraModel.class.getName() + " from allo-impl, got " + model.getClass().getName());
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A {@link DecoderModel} is written by {@link DecoderCheckpoints#save(DecoderModel, Path, SafetensorsDtype, long,
     * Map)} with {@link SaveOptions.WeightDtype#AS_LOADED} resolved by {@link DecoderCheckpoints#storedDtype}
     * (BF16 or F32; an F16 checkpoint is saved as F32); a {@link LoraModel} as its float32 adapters in PEFT's
     * layout, the options then unused. The tokenizer's files come from {@link TokenizerFiles#of(Tokenizer)}.
     */
    @Override
    public void saveModel(CausalLm model, Tokenizer tokenizer, Path directory, SaveOptions options) {
        if (model instanceof DecoderModel llama) {
            Map<String, byte[]> files = TokenizerFiles.of(tokenizer);
            DecoderCheckpoints.save(llama, directory, storedDtype(llama, options), options.maxShardBytes(), files);
        } else if (model instanceof LoraModel lora) {
            LoraCheckpoints.save(lora, directory, true, TokenizerFiles.of(tokenizer));
        } else {
            throw new IllegalArgumentException("model must be a " + DecoderModel.class.getName() + " or a "
                    + LoraModel.class.getName() + " from allo-impl, got " + model.getClass().getName());
        }
    }

    private static SafetensorsDtype storedDtype(DecoderModel model, SaveOptions options) {
        return switch (options.dtype()) {
            case F32 -> SafetensorsDtype.F32;
            case BF16 -> SafetensorsDtype.BF16;
            case AS_LOADED -> DecoderCheckpoints.storedDtype(model.config()) == SafetensorsDtype.BF16
                    ? SafetensorsDtype.BF16 : SafetensorsDtype.F32;
        };
    }

    @Override
    public AlignmentResult align(AlignmentPlan plan) {
        return new AlignmentPipeline(plan).run();
    }

    @Override
    public MemoryPlan memoryPlan(AlignmentPlan plan) {
        return new AlignmentPipeline(plan).memoryPlan();
    }
}
