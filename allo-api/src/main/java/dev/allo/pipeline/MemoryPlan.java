package dev.allo.pipeline;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The estimated peak memory of each training stage of a run, and the memory the device has for it. A run whose
 * largest stage would not fit stops before training with this plan in its message ({@link #fits()}).
 *
 * <p>A stage's peak is {@code weights + gradients + optimiser state + max(activations + logits, optimiser step)
 * + reference}: between the optimiser steps every persistent array is alive, and the activations of a micro-batch
 * peak at the start of its backward pass, when the gradients and the optimiser's moments already exist (from the
 * second step on).
 *
 * @param device the device, in words ({@code cpu()}, {@code gpu(0)})
 * @param availableBytes what the stages may use: on a CPU the system's {@code MemAvailable} plus the weights already
 *     loaded; on a GPU its free memory plus the weights already on it; {@code -1} when unknown
 * @param stages one estimate per stage in run order (the locate warm-up and the rewriter's training included when
 *     they run)
 * @param referenceCacheBytes the reference log-probs cached on disk for the run (float32 per response token)
 * @param advice when a stage does not fit: the changes that would make it fit, each with its estimated peak
 */
public record MemoryPlan(String device, long availableBytes, List<StageMemory> stages, long referenceCacheBytes,
        List<String> advice) {

    /**
     * One stage's estimate, in bytes.
     *
     * @param stage the stage's name
     * @param weights the model's parameters as stored
     * @param gradients the parameter gradients (dense per trainable tensor, whatever the mask)
     * @param optimizerState the optimiser's moments and index arrays
     * @param activations what the forward pass keeps for the backward pass over the decoder blocks, at the
     *     micro-batch's sequences of the run's maximum length (one block's and every block's input with gradient
     *     checkpointing), plus the attention mask
     * @param logits the output head's share: the saved log-softmax over the vocabulary and the backward pass's
     *     gradient of it ({@code sequences x length x vocabulary} floats per copy, chunked or not)
     * @param optimizerStep the optimiser step's temporaries (after the backward pass, when the activations are
     *     gone)
     * @param reference a live reference model or the in-memory reference log-probs
     * @param gradientCheckpointing whether the stage checkpoints every decoder block
     * @param sequencesPerPass sequences per forward pass (micro-batch pairs times the sides the objective reads)
     * @param maxLength the tokens per sequence assumed (the run's maximum length)
     */
    public record StageMemory(String stage, long weights, long gradients, long optimizerState, long activations,
            long logits, long optimizerStep, long reference, boolean gradientCheckpointing, int sequencesPerPass,
            int maxLength) {

        /** Checks the name and that no figure is negative. */
        public StageMemory {
            Objects.requireNonNull(stage, "stage");
            for (long v : new long[] {weights, gradients, optimizerState, activations, logits, optimizerStep,
                reference}) {
                if (v < 0) {
                    throw new IllegalArgumentException("stage '" + stage + "': memory figures must be >= 0, got " + v);
                }
            }
        }

        /**
         * The stage's estimated peak.
         *
         * @return {@code weights + gradients + optimizerState + max(activations + logits, optimizerStep) +
         *     reference}
         */
        public long peak() {
            return weights + gradients + optimizerState + Math.max(activations + logits, optimizerStep) + reference;
        }
    }

    /** Copies the lists. */
    public MemoryPlan {
        Objects.requireNonNull(device, "device");
        stages = List.copyOf(stages);
        advice = List.copyOf(advice);
    }

    /**
     * The largest stage peak.
     *
     * @return bytes, 0 for a run without stages
     */
    public long peakBytes() {
        return stages.stream().mapToLong(StageMemory::peak).max().orElse(0);
    }

    /**
     * Whether every stage fits the available memory.
     *
     * @return true when {@link #peakBytes()} is at most {@link #availableBytes()}, or the latter is unknown
     */
    public boolean fits() {
        return availableBytes < 0 || peakBytes() <= availableBytes;
    }

    /**
     * A table of the estimate, one line per stage, figures in GiB.
     *
     * @return the text
     */
    public String describe() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "memory plan on %s: peak %s of %s available%n", device, gib(peakBytes()),
                availableBytes < 0 ? "unknown" : gib(availableBytes)));
        out.append(String.format(Locale.ROOT, "  %-12s %9s %9s %9s %11s %9s %9s %9s %9s  %s%n", "stage", "weights",
                "grads", "optim", "activations", "logits", "opt step", "ref", "peak", "per pass"));
        for (StageMemory s : stages) {
            out.append(String.format(Locale.ROOT, "  %-12s %9s %9s %9s %11s %9s %9s %9s %9s  %d x %d%s%n",
                    s.stage(), gib(s.weights()), gib(s.gradients()), gib(s.optimizerState()), gib(s.activations()),
                    gib(s.logits()), gib(s.optimizerStep()), gib(s.reference()), gib(s.peak()), s.sequencesPerPass(),
                    s.maxLength(), s.gradientCheckpointing() ? ", checkpointed" : ""));
        }
        out.append(String.format(Locale.ROOT, "  reference cache on disk: %s%n", gib(referenceCacheBytes)));
        for (String a : advice) {
            out.append("  would fit: ").append(a).append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * Bytes in GiB with two decimals.
     *
     * @param bytes the figure
     * @return for example {@code "1.84 GiB"}
     */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
