package dev.allo.impl.pipeline;

import ai.djl.ndarray.types.Shape;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.lora.LoraModel;
import dev.allo.impl.model.DecoderCheckpoints;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.model.HalfFormat;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.pipeline.AlignmentConfig;
import dev.allo.pipeline.MaskRule;
import dev.allo.pipeline.StageConfig;
import dev.allo.pipeline.WeightStorage;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's 16-bit holding of the scalars no stage updates ({@link AlignmentConfig#weightStorage()}, see
 * {@link WeightStorage}): the format, decided and checked before anything is written, and its application once the
 * stages' masks are known ({@link DecoderModel#holdInHalf} with the union of what the stages train).
 *
 * <pre>
 * trained = union over stages s of  mask_s              (a stage that trains the model's weights)
 *                                   every adapted matrix (a LoRA stage: its merge changes them)
 * </pre>
 */
final class WeightHolding {
    private static final Logger LOG = LoggerFactory.getLogger(WeightHolding.class);

    private final HalfFormat format; // null: every weight stays float32
    private boolean applied;

    private WeightHolding(HalfFormat format) {
        this.format = format;
    }

    /**
     * Decides the run's holding.
     *
     * <ul>
     *   <li>{@link WeightStorage#FLOAT32}: none;
     *   <li>{@link WeightStorage#AUTO}: BF16 when the model is a {@link DecoderModel} of float32 arrays whose weights
     *       were stored as BF16 ({@link DecoderCheckpoints#storedDtype}) and no stage trains every weight; else none;
     *   <li>{@link WeightStorage#BF16}, {@link WeightStorage#F16}: that format, or a clear error.
     * </ul>
     *
     * @param config the run
     * @param model the model the stages train
     * @return the holding
     * @throws IllegalArgumentException for an explicit 16-bit storage with a model of another implementation, one
     *     that already holds weights in 16 bits, or a stage whose mask selects every weight (nothing to save)
     */
    static WeightHolding of(AlignmentConfig config, CausalLm model) {
        WeightStorage storage = config.weightStorage();
        if (storage == WeightStorage.FLOAT32) {
            return new WeightHolding(null);
        }
        String everything = stageTrainingEverything(config.stages());
        if (storage == WeightStorage.AUTO) {
            boolean bf16 = model instanceof DecoderModel d && d.halfWeights().isEmpty()
                    && DecoderCheckpoints.storedDtype(d.config()) == SafetensorsDtype.BF16;
            return new WeightHolding(bf16 && everything == null ? HalfFormat.BF16 : null);
        }
        String asked = "weightStorage " + storage;
        if (!(model instanceof DecoderModel decoder)) {
            throw new IllegalArgumentException(asked + " needs a " + DecoderModel.class.getName() + " as the model, got "
                    + model.getClass().getName() + "; use weightStorage AUTO or FLOAT32");
        }
        if (!decoder.halfWeights().isEmpty()) {
            throw new IllegalArgumentException(asked + ": the model already holds " + decoder.halfWeights().size()
                    + " weights in 16 bits; load it in float32 (the run holds what no stage updates itself) or use"
                    + " weightStorage FLOAT32");
        }
        if (everything != null) {
            throw new IllegalArgumentException(asked + ": stage '" + everything + "' trains every weight (its mask"
                    + " selects every scalar), so no weight would be held in 16 bits and nothing saved; use"
                    + " weightStorage AUTO or FLOAT32, or a mask that leaves weights unselected");
        }
        return new WeightHolding(storage == WeightStorage.BF16 ? HalfFormat.BF16 : HalfFormat.F16);
    }

    /** The first stage (not LoRA) whose mask selects every scalar of every weight, or null. */
    private static String stageTrainingEverything(List<StageConfig> stages) {
        for (StageConfig stage : stages) {
            if (stage.lora() == null && selectsEverything(stage.mask())) {
                return stage.name();
            }
        }
        return null;
    }

    private static boolean selectsEverything(MaskRule rule) {
        return switch (rule.kind()) {
            case ALL -> true;
            case FILE -> MemoryPlanner.ratio(rule) == 1.0;
            default -> rule.ratio() == 1.0 && rule.include().isEmpty() && rule.exclude().isEmpty();
        };
    }

    /**
     * Whether the run holds weights in 16 bits.
     *
     * @return true unless every weight stays float32
     */
    boolean active() {
        return format != null;
    }

    /**
     * Holds the model's weights in 16 bits except float32 masters of every scalar a stage trains; does nothing when
     * the holding is not {@link #active()}, or (for {@link WeightStorage#AUTO}) when the stages together train every
     * scalar.
     *
     * @param model the run's model
     * @param stages the run's stages
     * @param masks every stage's mask (over every weight), by stage name
     * @throws IllegalArgumentException if an explicit 16-bit storage finds the stages together training every scalar
     */
    void apply(CausalLm model, List<StageConfig> stages, Map<String, NeuronMask> masks) {
        if (format == null) {
            return;
        }
        DecoderModel decoder = (DecoderModel) model;
        NeuronMask trained = union(decoder, stages, masks);
        if (trained.selectedCount() == trained.size()) {
            LOG.info("The stages together train every weight: all weights stay float32");
            return;
        }
        Set<String> held = decoder.holdInHalf(trained, format);
        applied = true;
        LOG.info("Holding {} of {} weights in {}: float32 masters for the {} scalars the stages train ({} of the"
                + " model), 16 bits for the rest", held.size(), decoder.weightNames().size(), format,
                trained.selectedCount(), String.format("%.4f", trained.ratio()));
    }

    /**
     * A stage's mask in terms of the model's parameters: after {@link #apply} the positions among the float32
     * masters ({@link DecoderModel#onParameters}), else the mask itself.
     *
     * @param model the run's model
     * @param mask the stage's mask over every weight
     * @return the mask the stage's optimiser gets
     */
    NeuronMask onParameters(CausalLm model, NeuronMask mask) {
        return applied ? ((DecoderModel) model).onParameters(mask) : mask;
    }

    /** The union of what the stages train: their masks, and every matrix a LoRA stage adapts (its merge). */
    private static NeuronMask union(DecoderModel model, List<StageConfig> stages, Map<String, NeuronMask> masks) {
        Set<String> adapted = new HashSet<>();
        for (StageConfig stage : stages) {
            if (stage.lora() != null) {
                adapted.addAll(LoraModel.targetNames(model, LoraStage.config(stage.lora())));
            }
        }
        NeuronMask.Builder union = NeuronMask.builder();
        for (Map.Entry<String, Shape> e : model.config().parameterShapes().entrySet()) {
            String name = e.getKey();
            boolean full = adapted.contains(name);
            IntStream selected = IntStream.empty();
            for (StageConfig stage : stages) {
                NeuronMask m = masks.get(stage.name());
                if (stage.lora() == null && m.selectedCount(name) > 0) {
                    full |= m.isFull(name);
                    selected = IntStream.concat(selected, Arrays.stream(m.indices(name)));
                }
            }
            if (full) {
                union.addAll(name, e.getValue());
            } else {
                int[] indices = selected.sorted().distinct().toArray();
                if (indices.length == 0) {
                    union.addNone(name, e.getValue());
                } else {
                    union.add(name, e.getValue(), indices);
                }
            }
        }
        return union.build();
    }
}
