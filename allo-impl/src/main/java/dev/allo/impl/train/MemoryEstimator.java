package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.pipeline.MemoryPlan.StageMemory;
import dev.allo.pipeline.TrainingConfig.OptimizerKind;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Estimates the peak memory of one training stage of a decoder model from its shape and the stage's settings:
 * arithmetic only, so a run can be checked before anything is allocated.
 *
 * <p><b>Activations</b> are counted as the float32 arrays the autograd graph of {@code DecoderLayer.forward} keeps for
 * the backward pass, per token, for a plain (LLaMA / Mistral / Qwen2) block of hidden size {@code H}, query width
 * {@code Q = n_h d}, MLP width {@code I}, {@code n_h} query heads and {@code S} keys per query (the padded length):
 *
 * <pre>
 * input x                                   H   (the RMSNorm reads it; the residual add keeps nothing)
 * RMSNorm: x / rms and its scaled output    2H  (again after attention: 2H, plus the residual sum h: H)
 * RoPE(q), RoPE(k) repeated to n_h heads, v repeated     3Q  (the matmuls keep them; RoPE's multiply by a constant
 *                                                             table keeps only the table)
 * softmax output                            n_h S          (scores and masked scores are freed after it)
 * heads merged for o_proj (a copy)          Q
 * MLP: gate, sigmoid(gate), gate*sigmoid, up, their product   5I
 * ----------------------------------------------------------------------------------------------------
 * per block and token                       a = 6H + 4Q + 5I + n_h S       (Eq. M1)
 * </pre>
 *
 * <p>Qwen3's q/k norms add {@code 2Q + 2 n_kv d}; Gemma 2's extra norms and its tanh-GELU add about {@code 4H + 2I}
 * and its soft-capped scores {@code 2 n_h S} (counted the same way, not measured). Besides the blocks, a pass keeps
 * the last block's output and the final norm's two arrays ({@code 3H}) and the additive attention mask
 * ({@code S} per token). Without checkpointing the activations of a pass of {@code N} tokens are
 * {@code N (L a + 3H + S)} floats; with {@link dev.allo.impl.model.CheckpointedDecoder} they are
 * {@code N (L H + a + 2H + 3H + S)}: every block's input, one block recomputed, the segment's incoming and outgoing
 * gradients (Eq. M2; an upper bound, since the head's backward pass and a block's recomputation do not overlap).
 *
 * <p><b>Logits.</b> The one-pass head (without checkpointing) keeps the log-softmax over the vocabulary {@code V} of
 * every position ({@code N V} floats); its backward pass adds the gradient of the gathered log-probs and of the
 * logits: {@code 2 N V} more unchunked, {@code 2 B c V} with chunks of {@code c} positions over {@code B} sequences.
 * A head weight held in 16 bits is widened to float32 by every chunk and the graph keeps each chunk's copy, so
 * {@code ceil(S / c) - 1} more {@code V H} copies than the one Eq. (M5) counts. The recomputing head that gradient
 * checkpointing uses ({@link dev.allo.impl.model.RecomputedHead}) holds one chunk at a time: its log-softmax and the
 * gradients of the gathered log-probs and of the logits ({@code 3 B c V}), of which only the logits' gradient is
 * still alive when the head weight's gradient {@code V H} is computed. A 16-bit head's widened copy and its dense
 * gradient are Eq. (M5)'s (counted in the activations); a float32 head's gradient is computed whole and then added
 * into the parameter's (Eq. M3):
 *
 * <pre>
 * logits = 4 (N V + 2 B c V + (ceil(S / c) - 1) V H [head held in 16 bits])   one-pass head
 *        = 4 B c V                                                           recomputing head, held in 16 bits
 *        = 4 max(3 B c V, B c V + V H)                                       recomputing head, float32
 * </pre>
 *
 * <p>This is often the largest term: at Qwen2.5's vocabulary of 151,936, {@code V} floats are 0.58 MiB per token.
 *
 * <p><b>Persistent state.</b> Gradients are dense, one float32 per trainable scalar whatever the mask. AdamW keeps two
 * float32 moments per selected scalar ({@link OptimizerKind#SPARSE_ADAMW}: only the {@code K} selected, plus an
 * int32 index for each when the mask selects part of the model; {@link OptimizerKind#DENSE_MASKED_ADAMW}: every
 * scalar, plus a one-byte mask when partial); SGD one momentum per selected scalar. The optimiser step updates one
 * tensor at a time, each in a scope of its own, except the partly selected tensors, whose selected scalars form one
 * gathered vector of {@code K} (Eq. M4):
 *
 * <pre>
 * step temporaries = c * 4 * (K                when the mask selects part of the model: the gathered vector
 *                             n_max)           when it selects everything: the largest tensor, one at a time
 * c = 5 for sparse AdamW (clipped gradient, (1 - beta1) g, g^2, sqrt(v), the step), 3 for SGD;
 * dense masked AdamW: 7 copies of the largest tensor (also the decayed copy and the masked select)
 * </pre>
 *
 * <p><b>Weights held in 16 bits</b> ({@link DecoderModel#holdInHalf}): 2 bytes per scalar, and a float32 master and
 * an int32 index per selected scalar of a partly selected weight; only the masters are trainable. Every pass widens
 * the held weights to float32 where they are used, and the autograd graph keeps a widened matrix until its backward
 * pass (a matrix product needs it for the input's gradient): without checkpointing every held weight once, with it
 * one block's and the output head's (embedding and head: the scalars held outside the blocks); a held weight with
 * float32 masters also has a dense float32 gradient while its backward pass reduces it to the masters' entries,
 * which for the vocabulary-sized ones doubles their share ({@code h_outer} counts such a weight twice), Eq. M5:
 *
 * <pre>
 * widened = 4 (h_blocks + h_outer)        without checkpointing
 *         = 4 (h_blocks / L + h_outer)    with checkpointing
 * </pre>
 *
 * <p><b>LoRA</b> ({@link ModelShape#withLora}): every pass builds, for each adapted matrix of {@code n} scalars,
 * {@code B A}, {@code dW = (alpha / r) B A}, the widened {@code W0} when the base holds it in 16 bits, and
 * {@code W0 + dW}, all float32 and alive until the step ends, counted with the weights (Eq. M6):
 *
 * <pre>
 * adapted = 4 n (3 + [W0 held in 16 bits])     per adapted matrix
 * </pre>
 */
public final class MemoryEstimator {
    private static final long FLOAT = 4;
    private static final String BLOCK_PREFIX = "model.layers.";

    private MemoryEstimator() {}

    /**
     * A decoder's sizes as the estimate reads them.
     *
     * @param layers L
     * @param hidden H
     * @param intermediate I
     * @param heads n_h
     * @param kvHeads n_kv
     * @param headDim d
     * @param vocab V
     * @param qkNorm whether the family normalises q and k per head (Qwen3)
     * @param gemma whether the blocks are Gemma 2's (extra norms, soft-capped scores)
     * @param weightBytes the stored parameters' bytes
     * @param trainableScalars the scalars that receive gradients
     * @param largestTensor the largest trainable tensor's scalars
     * @param heldBlockScalars the scalars of the decoder blocks held in 16 bits, {@code h_blocks} of Eq. M5
     * @param heldOuterScalars the scalars outside the blocks held in 16 bits (embedding, head, final norm), those
     *     of a weight with float32 masters twice: {@code h_outer}
     */
    public record ModelShape(int layers, int hidden, int intermediate, int heads, int kvHeads, int headDim, int vocab,
            boolean qkNorm, boolean gemma, long weightBytes, long trainableScalars, long largestTensor,
            long heldBlockScalars, long heldOuterScalars) {

        /**
         * A shape without weights held in 16 bits.
         *
         * @param layers L
         * @param hidden H
         * @param intermediate I
         * @param heads n_h
         * @param kvHeads n_kv
         * @param headDim d
         * @param vocab V
         * @param qkNorm whether the family normalises q and k per head (Qwen3)
         * @param gemma whether the blocks are Gemma 2's
         * @param weightBytes the stored parameters' bytes
         * @param trainableScalars the scalars that receive gradients
         * @param largestTensor the largest trainable tensor's scalars
         */
        public ModelShape(int layers, int hidden, int intermediate, int heads, int kvHeads, int headDim, int vocab,
                boolean qkNorm, boolean gemma, long weightBytes, long trainableScalars, long largestTensor) {
            this(layers, hidden, intermediate, heads, kvHeads, headDim, vocab, qkNorm, gemma, weightBytes,
                    trainableScalars, largestTensor, 0, 0);
        }

        /**
         * The shape of a decoder as it holds its weights now: its {@link DecoderModel#storedBytes()}, its parameters
         * (float32 weights and masters) as the trainable scalars, and the weights it holds in 16 bits.
         *
         * @param model the decoder
         * @return the shape
         */
        public static ModelShape of(DecoderModel model) {
            ModelShape plain = of(model.config(), model.parameters(), model.parameters());
            long blocks = 0;
            long outer = 0;
            for (String name : model.halfWeights().keySet()) {
                long n = model.config().parameterShapes().get(name).size();
                if (name.startsWith(BLOCK_PREFIX)) {
                    blocks += n;
                } else {
                    outer += model.parameters().containsKey(name) ? 2 * n : n; // masters: + the dense gradient
                }
            }
            return new ModelShape(plain.layers(), plain.hidden(), plain.intermediate(), plain.heads(),
                    plain.kvHeads(), plain.headDim(), plain.vocab(), plain.qkNorm(), plain.gemma(),
                    model.storedBytes(), plain.trainableScalars(), plain.largestTensor(), blocks, outer);
        }

        /**
         * The shape of a LoRA policy over this decoder: the base as it will be held (every weight in 16 bits when
         * {@code halfBase}, else as it is, {@code alreadyHalf} in 16 bits and the rest float32), the adapters
         * {@code r (in + out)} per adapted matrix as the trainable scalars (the largest {@code r max(in, out)}), and
         * the float32 matrices each pass builds for every adapted matrix and keeps until the step ends: {@code B A},
         * {@code dW = (alpha / r) B A}, the widened {@code W0} when it is held in 16 bits, and {@code W0 + dW} (which
         * the autograd graph needs), so 3 or 4 copies of every adapted matrix (Eq. M6); the base's other 16-bit
         * weights are widened where used (Eq. M5).
         *
         * @param config the decoder's configuration
         * @param targets the adapted matrices, {@code (out, in)} weights of the blocks
         * @param rank r
         * @param halfBase whether the whole base is held in 16 bits for the stage
         * @param alreadyHalf the weights the decoder already holds in 16 bits
         * @return the shape
         */
        public ModelShape withLora(DecoderConfig config, Collection<String> targets, int rank, boolean halfBase,
                Set<String> alreadyHalf) {
            long baseBytes = 0;
            long heldBlocks = 0;
            long heldOuter = 0;
            long adapters = 0;
            long effective = 0;
            long largest = 0;
            for (Map.Entry<String, Shape> e : config.parameterShapes().entrySet()) {
                String name = e.getKey();
                long n = e.getValue().size();
                boolean isHalf = halfBase || alreadyHalf.contains(name);
                baseBytes += isHalf ? 2 * n : 4 * n;
                if (targets.contains(name)) {
                    long out = e.getValue().get(0);
                    long in = e.getValue().get(1);
                    adapters += rank * (in + out);
                    largest = Math.max(largest, rank * Math.max(in, out));
                    effective += isHalf ? 4 * n : 3 * n; // B A, (alpha / r) B A, [widened W0,] W0 + dW
                } else if (isHalf && name.startsWith(BLOCK_PREFIX)) {
                    heldBlocks += n;
                } else if (isHalf) {
                    heldOuter += n;
                }
            }
            return new ModelShape(layers, hidden, intermediate, heads, kvHeads, headDim, vocab, qkNorm, gemma,
                    baseBytes + 4 * adapters + 4 * effective, adapters, largest, heldBlocks, heldOuter);
        }

        /**
         * This float32 decoder's shape once {@link DecoderModel#holdInHalf} has held every weight in 16 bits except
         * float32 masters of a fraction {@code r} of its {@code N} scalars (as if all in partly selected weights):
         * weights {@code 2 N + 8 r N} bytes, {@code r N} trainable scalars, the largest master {@code r n_max}, every
         * weight held (those outside the blocks with masters, so counted twice in {@code h_outer}).
         *
         * @param config the decoder's configuration (for which weights lie in the blocks)
         * @param ratio r, in {@code (0, 1)}
         * @return the shape
         */
        public ModelShape heldInHalf(DecoderConfig config, double ratio) {
            long blocks = 0;
            long outer = 0;
            for (Map.Entry<String, Shape> e : config.parameterShapes().entrySet()) {
                if (e.getKey().startsWith(BLOCK_PREFIX)) {
                    blocks += e.getValue().size();
                } else {
                    outer += e.getValue().size();
                }
            }
            long n = blocks + outer;
            long masters = (long) Math.ceil(ratio * n);
            return new ModelShape(layers, hidden, intermediate, heads, kvHeads, headDim, vocab, qkNorm, gemma,
                    2 * n + 8 * masters, masters, (long) Math.ceil(ratio * largestTensor), blocks, 2 * outer);
        }

        /**
         * The shape of a decoder with the given parameters.
         *
         * @param config the decoder's configuration
         * @param weights every stored parameter (for their bytes)
         * @param trainable the parameters that receive gradients
         * @return the shape
         */
        public static ModelShape of(DecoderConfig config, Map<String, NDArray> weights,
                Map<String, NDArray> trainable) {
            long bytes = 0;
            for (NDArray w : weights.values()) {
                bytes += w.size() * w.getDataType().getNumOfBytes();
            }
            long scalars = 0;
            long largest = 0;
            for (NDArray w : trainable.values()) {
                scalars += w.size();
                largest = Math.max(largest, w.size());
            }
            return new ModelShape(config.numHiddenLayers(), config.hiddenSize(), config.intermediateSize(),
                    config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), config.vocabSize(),
                    config.family().qkNorm(), config.family().gemmaBlocks(), bytes, scalars, largest);
        }
    }

    /**
     * What a stage does, as far as memory goes.
     *
     * @param name the stage's name
     * @param sequencesPerPass B: micro-batch pairs times the sides the objective reads
     * @param length S: tokens per sequence (the run's maximum length: the collator pads to the longest row)
     * @param logProbChunk positions per log-prob chunk, 0 for unchunked
     * @param checkpointing whether every decoder block is checkpointed
     * @param optimizer the optimiser
     * @param maskRatio the fraction of trainable scalars selected, in {@code (0, 1]}
     * @param referenceBytes the stage's in-memory reference log-probs (or live reference model), 0 for none
     */
    public record StageSettings(String name, int sequencesPerPass, int length, int logProbChunk,
            boolean checkpointing, OptimizerKind optimizer, double maskRatio, long referenceBytes) {
        /** Checks the values. */
        public StageSettings {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(optimizer, "optimizer");
            if (sequencesPerPass < 1 || length < 1 || logProbChunk < 0) {
                throw new IllegalArgumentException("stage '" + name + "': sequencesPerPass and length must be >= 1"
                        + " and logProbChunk >= 0, got " + sequencesPerPass + ", " + length + ", " + logProbChunk);
            }
            if (!(maskRatio > 0 && maskRatio <= 1)) {
                throw new IllegalArgumentException("stage '" + name + "': maskRatio must be in (0, 1], got "
                        + maskRatio);
            }
        }
    }

    /**
     * Floats one block keeps per token for the backward pass, Eq. (M1) plus the family's extra arrays.
     *
     * @param m the model
     * @param keys S, keys per query
     * @return floats per token
     */
    public static long blockFloatsPerToken(ModelShape m, long keys) {
        long q = (long) m.heads() * m.headDim();
        long a = 6L * m.hidden() + 4 * q + 5L * m.intermediate() + (long) m.heads() * keys; // Eq. (M1)
        if (m.qkNorm()) {
            a += 2 * q + 2L * m.kvHeads() * m.headDim();
        }
        if (m.gemma()) {
            a += 4L * m.hidden() + 2L * m.intermediate() + 2L * m.heads() * keys;
        }
        return a;
    }

    /**
     * The activations of one pass, in bytes (Eq. M2), and the held weights it widens (Eq. M5).
     *
     * @param m the model
     * @param sequences B
     * @param length S
     * @param checkpointing whether every block is checkpointed
     * @return bytes
     */
    public static long activationBytes(ModelShape m, int sequences, int length, boolean checkpointing) {
        long tokens = (long) sequences * length;
        long a = blockFloatsPerToken(m, length);
        long rest = 3L * m.hidden() + length; // final norm's arrays and the attention mask
        long perToken = checkpointing ? (long) m.layers() * m.hidden() + a + 2L * m.hidden() + rest
                : m.layers() * a + rest;
        long widened = (checkpointing ? m.heldBlockScalars() / m.layers() : m.heldBlockScalars())
                + m.heldOuterScalars(); // Eq. (M5)
        return FLOAT * (tokens * perToken + widened);
    }

    /**
     * The one-pass head's share of one pass, in bytes (Eq. M3).
     *
     * @param m the model
     * @param sequences B
     * @param length S
     * @param logProbChunk c, 0 for unchunked
     * @return bytes
     */
    public static long logitBytes(ModelShape m, int sequences, int length, int logProbChunk) {
        return logitBytes(m, sequences, length, logProbChunk, false);
    }

    /**
     * The head's share of one pass, in bytes (Eq. M3), for the one-pass or the recomputing head.
     *
     * @param m the model
     * @param sequences B
     * @param length S
     * @param logProbChunk c, 0 for unchunked
     * @param recomputed whether the head is the recomputing one (with gradient checkpointing)
     * @return bytes
     */
    public static long logitBytes(ModelShape m, int sequences, int length, int logProbChunk, boolean recomputed) {
        long tokens = (long) sequences * length;
        int chunk = logProbChunk == 0 ? length : Math.min(logProbChunk, length);
        long chunkTokens = (long) sequences * chunk;
        long headScalars = (long) m.vocab() * m.hidden();
        boolean heldHead = m.heldOuterScalars() >= headScalars;
        long chunkFloats = m.vocab() * chunkTokens;
        if (recomputed) {
            return FLOAT * (heldHead ? chunkFloats : Math.max(3 * chunkFloats, chunkFloats + headScalars));
        }
        long chunks = (length + chunk - 1) / chunk;
        long widenedCopies = heldHead ? (chunks - 1) * headScalars : 0;
        return FLOAT * (m.vocab() * (tokens + 2 * chunkTokens) + widenedCopies);
    }

    /**
     * The optimiser's persistent state, in bytes.
     *
     * @param m the model
     * @param optimizer the optimiser
     * @param maskRatio the selected fraction
     * @return bytes
     */
    public static long optimizerBytes(ModelShape m, OptimizerKind optimizer, double maskRatio) {
        long n = m.trainableScalars();
        long k = selected(m, maskRatio);
        boolean partial = maskRatio < 1;
        return switch (optimizer) {
            case SPARSE_ADAMW -> 2 * FLOAT * k + (partial ? 4 * k : 0);
            case DENSE_MASKED_ADAMW -> 2 * FLOAT * n + (partial ? n : 0);
            case MASKED_SGD -> FLOAT * k + (partial ? 4 * k : 0);
        };
    }

    /**
     * The optimiser step's temporaries, in bytes (Eq. M4): float32 copies, five for sparse AdamW and three for SGD,
     * of the gathered selected scalars when the mask selects part of the model, else of the largest tensor; seven of
     * the largest tensor for dense masked AdamW.
     *
     * @param m the model
     * @param optimizer the optimiser
     * @param maskRatio the selected fraction
     * @return bytes
     */
    public static long optimizerStepBytes(ModelShape m, OptimizerKind optimizer, double maskRatio) {
        long copied = maskRatio < 1 ? selected(m, maskRatio) : m.largestTensor();
        return switch (optimizer) {
            case SPARSE_ADAMW -> 5 * FLOAT * copied;
            case DENSE_MASKED_ADAMW -> 7 * FLOAT * m.largestTensor();
            case MASKED_SGD -> 3 * FLOAT * copied;
        };
    }

    private static long selected(ModelShape m, double maskRatio) {
        return (long) Math.ceil(maskRatio * m.trainableScalars());
    }

    /**
     * One stage's estimate.
     *
     * @param m the model
     * @param s the stage
     * @return the estimate
     */
    public static StageMemory estimate(ModelShape m, StageSettings s) {
        return new StageMemory(s.name(), m.weightBytes(), FLOAT * m.trainableScalars(),
                optimizerBytes(m, s.optimizer(), s.maskRatio()),
                activationBytes(m, s.sequencesPerPass(), s.length(), s.checkpointing()),
                logitBytes(m, s.sequencesPerPass(), s.length(), s.logProbChunk(), s.checkpointing()),
                optimizerStepBytes(m, s.optimizer(), s.maskRatio()), s.referenceBytes(), s.checkpointing(),
                s.sequencesPerPass(), s.length());
    }
}
