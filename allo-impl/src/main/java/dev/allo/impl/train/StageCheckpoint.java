package dev.allo.impl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.AlloException;
import dev.allo.data.BatchPosition;
import dev.allo.impl.io.AtomicFiles;
import dev.allo.impl.io.HfCheckpoint;
import dev.allo.impl.io.HfCheckpointWriter;
import dev.allo.impl.io.SafetensorsDtype;
import dev.allo.impl.io.SafetensorsFile;
import dev.allo.impl.io.SafetensorsWriter;
import dev.allo.impl.model.LlamaCheckpoints;
import dev.allo.impl.model.LlamaModel;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.objective.PreferenceObjective;
import dev.allo.optim.MaskedOptimizer;
import dev.allo.optim.OptimizerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A stage checkpoint: everything needed to continue a stage after its process died, so that the resumed run ends
 * with the same weights, bit for bit on CPU, as an uninterrupted one. A directory:
 *
 * <ul>
 *   <li>{@code model/}: the policy's weights in Hugging Face layout (float32 {@code model.safetensors}; with
 *       {@code config.json} for a {@link LlamaModel});
 *   <li>{@code optimizer.safetensors}: the optimiser's state tensors ({@link MaskedOptimizer#state}), absent when it
 *       has none;
 *   <li>{@code mask.bin}: the optimiser's {@link NeuronMask};
 *   <li>{@code reference.reflogprobs}: the stage's reference log-probs (the starting model is gone by then), absent
 *       when the objective needs none;
 *   <li>{@code state.json}: the step count, the position of the next batch, the data seed (the loop draws no other
 *       random numbers), the optimiser's scalar state and the objective's state. Written last.
 * </ul>
 *
 * <p>Written into a temporary sibling directory that is then renamed into place (an existing checkpoint is first
 * renamed aside and deleted afterwards), so a reader never sees a half-written checkpoint.
 */
final class StageCheckpoint {
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "model";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final String MASK = "mask.bin";
    private static final String REFERENCE = "reference.reflogprobs";
    private static final String STATE = "state.json";

    /**
     * The scalar part of a checkpoint, stored as {@code state.json}.
     *
     * @param format the format version, {@value #FORMAT}
     * @param stage the stage's name
     * @param step optimiser steps taken
     * @param epoch the next batch's epoch
     * @param batch the next batch's index in its epoch
     * @param pairs the number of training pairs
     * @param dataSeed the batch config's seed
     * @param optimizer the optimiser's kind
     * @param optimizerStep the optimiser's step count
     * @param maskFingerprint the mask's fingerprint
     * @param referenceFingerprint the reference log-probs' fingerprint, or null
     * @param objectiveState the objective's state
     */
    record State(int format, String stage, long step, int epoch, int batch, int pairs, long dataSeed,
            String optimizer, long optimizerStep, long maskFingerprint, String referenceFingerprint,
            Map<String, double[]> objectiveState) {

        BatchPosition position() {
            return new BatchPosition(epoch, batch);
        }
    }

    private StageCheckpoint() {}

    /** Writes a checkpoint of a stage after {@code step} steps, the next batch at {@code next}. */
    static void write(Path directory, String stage, long step, BatchPosition next, int pairs, long dataSeed,
            CausalLm policy, MaskedOptimizer optimizer, PreferenceObjective objective, ReferenceLogProbs reference) {
        Path target = directory.toAbsolutePath();
        Path parent = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            if (policy instanceof LlamaModel llama) {
                LlamaCheckpoints.save(llama, tmp.resolve(MODEL));
            } else {
                new HfCheckpointWriter().overwrite(true).write(tmp.resolve(MODEL), policy.parameters());
            }
            State state;
            try (NDManager manager = NDManager.newBaseManager(policy.device())) {
                OptimizerState optimizerState = optimizer.state(manager);
                if (!optimizerState.tensors().isEmpty()) {
                    SafetensorsWriter.write(tmp.resolve(OPTIMIZER), optimizerState.tensors(), SafetensorsDtype.F32);
                }
                state = new State(FORMAT, stage, step, next.epoch(), next.batch(), pairs, dataSeed,
                        optimizerState.optimizer(), optimizerState.step(), optimizerState.maskFingerprint(),
                        reference == null ? null : reference.fingerprint(), objective.saveState());
            }
            optimizer.mask().save(tmp.resolve(MASK));
            if (reference != null) {
                Files.write(tmp.resolve(REFERENCE), ReferenceCache.encode(reference).array());
            }
            JSON.writeValue(tmp.resolve(STATE).toFile(), state);
            if (Files.exists(target)) {
                Path old = Files.createTempDirectory(parent, "." + target.getFileName() + ".old-");
                Files.move(target, old.resolve("c"), StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
                AtomicFiles.deleteTree(old);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            }
        } catch (IOException e) {
            throw new AlloException("cannot write stage checkpoint " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteQuietly(tmp); // a hidden leftover; the error that brought us here is what matters
            }
        }
    }

    /** Reads {@code state.json}. */
    static State readState(Path directory) {
        Path file = directory.resolve(STATE);
        if (!Files.isRegularFile(file)) {
            throw new AlloException("no stage checkpoint in " + directory + ": " + STATE + " is missing");
        }
        try {
            State state = JSON.readValue(file.toFile(), State.class);
            if (state.format() != FORMAT) {
                throw new AlloException(file + " has format " + state.format() + ", expected " + FORMAT);
            }
            return state;
        } catch (IOException e) {
            throw new AlloException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Restores weights, optimiser state and objective state in place, and returns the reference log-probs.
     *
     * @throws IllegalArgumentException if the checkpoint's mask, tensors or optimiser do not match
     */
    static ReferenceLogProbs restore(Path directory, State state, CausalLm policy, MaskedOptimizer optimizer,
            PreferenceObjective objective) {
        NeuronMask mask = NeuronMask.load(directory.resolve(MASK));
        if (!mask.equals(optimizer.mask())) {
            throw new IllegalArgumentException("checkpoint " + directory + " was written with another mask ("
                    + mask + ") than the optimiser's (" + optimizer.mask() + ")");
        }
        policy.setTrainable(false); // in-place copies into leaf tensors outside autograd
        try (NDManager manager = NDManager.newBaseManager(policy.device());
                HfCheckpoint weights = HfCheckpoint.open(directory.resolve(MODEL))) {
            for (Map.Entry<String, NDArray> p : policy.parameters().entrySet()) {
                if (!weights.contains(p.getKey())) {
                    throw new IllegalArgumentException("checkpoint " + directory + " has no weights for tensor '"
                            + p.getKey() + "'");
                }
                NDArray source = weights.read(p.getKey(), manager);
                if (!source.getShape().equals(p.getValue().getShape())) {
                    throw new IllegalArgumentException("checkpoint tensor '" + p.getKey() + "' has shape "
                            + source.getShape() + ", the policy's has " + p.getValue().getShape());
                }
                p.getValue().reshape(-1).set(new NDIndex(":"), source.reshape(-1));
            }
            Map<String, NDArray> tensors = Map.of();
            Path optimizerFile = directory.resolve(OPTIMIZER);
            if (Files.exists(optimizerFile)) {
                try (SafetensorsFile file = SafetensorsFile.open(optimizerFile)) {
                    tensors = file.readAll(manager);
                }
            }
            optimizer.restore(new OptimizerState(state.optimizer(), state.optimizerStep(), state.maskFingerprint(),
                    tensors));
        }
        objective.restoreState(state.objectiveState());
        if (state.referenceFingerprint() == null) {
            return null;
        }
        try {
            return ReferenceCache.read(directory.resolve(REFERENCE), state.referenceFingerprint());
        } catch (IOException e) {
            throw new AlloException("cannot read " + directory.resolve(REFERENCE) + ": " + e.getMessage(), e);
        }
    }
}
