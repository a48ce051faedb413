package dev.allo.pipeline;

import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.train.StageResult;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an alignment run produced.
 *
 * @param model the aligned model: the same object that was passed to the builder, trained in place
 * @param masks each stage's mask by stage name, in stage order
 * @param stages each stage's metrics history by stage name, in stage order
 * @param config the exact configuration that ran
 * @param outputDirectory where the run wrote its files (model, masks, configuration, metrics, charts)
 */
public record AlignmentResult(CausalLm model, Map<String, NeuronMask> masks, Map<String, StageResult> stages,
        AlignmentConfig config, Path outputDirectory) {

    /**
     * Copies the maps.
     *
     * @throws NullPointerException if an argument is null
     */
    public AlignmentResult {
        Objects.requireNonNull(model, "model");
        masks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
        stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(outputDirectory, "outputDirectory");
    }
}
