package dev.allo.pipeline;

import dev.allo.mask.MaskSelector;
import dev.allo.mask.TensorFilter;
import java.util.List;

/**
 * Which weights a stage may change (ALLO Eq. 1): all of them, or those a selector picks from the importance scores
 * of the locate stage, or those of a mask file.
 *
 * @param kind how the mask is made
 * @param ratio the fraction {@code k} of the included weights to select, in {@code (0, 1]}; 1 for {@link Kind#ALL}
 * @param include glob patterns of tensor names to consider (empty: all); see {@link TensorFilter}
 * @param exclude glob patterns of tensor names to leave out
 * @param file the mask file for {@link Kind#FILE}, else empty
 */
public record MaskRule(Kind kind, double ratio, List<String> include, List<String> exclude, String file) {

    /** How a mask is made. */
    public enum Kind {
        /** Every weight: full-parameter training. */
        ALL,
        /** The exact global top-{@code k} fraction over all included tensors (the paper's choice, Sec. 4.1). */
        GLOBAL_TOP_K,
        /** The top-{@code k} fraction of each included tensor. */
        PER_TENSOR_TOP_K,
        /** The lowest-scoring {@code k} fraction (the paper's "last-k" ablation, Figure 1). */
        LAST_K,
        /** A seeded random {@code k} fraction (ablation baseline). */
        RANDOM,
        /** A mask saved earlier ({@code NeuronMask.save}). */
        FILE
    }

    /**
     * Validates the rule.
     *
     * @throws IllegalArgumentException naming the field, the constraint and the value
     */
    public MaskRule {
        if (kind == null) {
            throw new IllegalArgumentException("kind must be set");
        }
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("neuronRatio must be in (0, 1], got " + ratio);
        }
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        file = file == null ? "" : file;
        if (kind == Kind.FILE && file.isEmpty()) {
            throw new IllegalArgumentException("a FILE mask rule needs a file");
        }
        if (kind != Kind.FILE && !file.isEmpty()) {
            throw new IllegalArgumentException("file is only used by FILE mask rules, got kind " + kind);
        }
        if (kind == Kind.ALL && ratio != 1) {
            throw new IllegalArgumentException("an ALL mask rule has ratio 1, got " + ratio);
        }
    }

    /**
     * Full-parameter training.
     *
     * @return the rule
     */
    public static MaskRule all() {
        return new MaskRule(Kind.ALL, 1, List.of(), List.of(), "");
    }

    /**
     * The exact global top-{@code k} fraction of the importance scores.
     *
     * @param ratio {@code k}, in {@code (0, 1]}
     * @return the rule
     */
    public static MaskRule topK(double ratio) {
        return new MaskRule(Kind.GLOBAL_TOP_K, ratio, List.of(), List.of(), "");
    }

    /**
     * A selection of another kind.
     *
     * @param kind GLOBAL_TOP_K, PER_TENSOR_TOP_K, LAST_K or RANDOM
     * @param ratio {@code k}, in {@code (0, 1]}
     * @return the rule
     */
    public static MaskRule of(Kind kind, double ratio) {
        return new MaskRule(kind, ratio, List.of(), List.of(), "");
    }

    /**
     * A mask loaded from a file.
     *
     * @param file the path of a saved {@code NeuronMask}
     * @return the rule
     */
    public static MaskRule fromFile(String file) {
        return new MaskRule(Kind.FILE, 1, List.of(), List.of(), file);
    }

    /**
     * A copy that considers only tensors matching these globs.
     *
     * @param globs tensor-name patterns
     * @return the copy
     */
    public MaskRule including(String... globs) {
        return new MaskRule(kind, ratio, List.of(globs), exclude, file);
    }

    /**
     * A copy that leaves out tensors matching these globs.
     *
     * @param globs tensor-name patterns
     * @return the copy
     */
    public MaskRule excluding(String... globs) {
        return new MaskRule(kind, ratio, include, List.of(globs), file);
    }

    /**
     * Whether this rule needs importance scores from the locate stage.
     *
     * @return true for the score-based kinds
     */
    public boolean needsScores() {
        return kind == Kind.GLOBAL_TOP_K || kind == Kind.PER_TENSOR_TOP_K || kind == Kind.LAST_K;
    }

    /**
     * The selector for the score-based and random kinds.
     *
     * @param seed the seed of {@link Kind#RANDOM}
     * @return the selector
     * @throws IllegalStateException for {@link Kind#ALL} and {@link Kind#FILE}, which select nothing from scores
     */
    public MaskSelector selector(long seed) {
        TensorFilter filter = TensorFilter.all().including(include.toArray(String[]::new))
                .excluding(exclude.toArray(String[]::new));
        return switch (kind) {
            case GLOBAL_TOP_K -> MaskSelector.globalTopK(ratio, filter);
            case PER_TENSOR_TOP_K -> MaskSelector.perTensorTopK(ratio, filter);
            case LAST_K -> MaskSelector.lastK(ratio, filter);
            case RANDOM -> MaskSelector.random(ratio, seed, filter);
            case ALL, FILE -> throw new IllegalStateException(kind + " mask rules do not select from scores");
        };
    }
}
